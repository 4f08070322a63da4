"""The HTML report in a real browser: headless Chromium renders the charts, runs without errors, drills down."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from voc.reporting import report

from .test_report import analysed_frame, dialogues

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium: apt-get install chromium fonts-noto-cjk"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="needs Playwright for Python: pip install playwright (the system chromium is used; "
                              "no `playwright install`)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def test_report_renders_in_chromium_and_drills_down(browser, tmp_path):
    path = report(analysed_frame(), tmp_path / "report.html", text_col="review", time_col="date",
                  score_col="nps", dialogues=dialogues(), title="评论分析报告")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:", "about:"))
            else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    # charts: every chart SVG is laid out with a real size and holds drawn shapes
    charts = page.locator("svg.chart")
    assert charts.count() >= 4  # donut, trend, word cloud, score histogram
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50
        assert charts.nth(i).locator("rect, circle, path, text").count() > 0
    words = page.locator("svg.wordcloud text.word")
    assert words.count() > 10
    box = words.first.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0
    assert page.locator("svg.trend rect.bar").count() > 0

    # Chinese renders with a CJK font: a line of hanzi is as wide as that many squares
    width = page.evaluate("""() => { const s = document.createElement('span');
        s.style.fontSize = '20px'; s.style.fontFamily = getComputedStyle(document.body).fontFamily;
        s.textContent = '观点三级下钻观点三级下钻'; document.body.appendChild(s);
        const w = s.getBoundingClientRect().width; s.remove(); return w; }""")
    assert 200 <= width <= 260

    # drill-down: level 2 hidden until its level-1 node is clicked, then visible with level 3 under it
    node = page.locator("details.node.l1").first
    child = node.locator("details.node.l2").first
    assert not child.is_visible()
    node.locator("summary").first.click()
    assert child.is_visible()
    assert node.get_attribute("open") is not None
    grandchild = child.locator(".node.l3").first
    assert not grandchild.is_visible()
    child.locator("summary").first.click()
    assert grandchild.is_visible()
    assert grandchild.locator("li.example").count() >= 1
    # the toolbar opens every node at once
    page.click("#expand-all")
    assert page.locator("details.node[open]").count() == page.locator("details.node").count()
    page.click("#collapse-all")
    page.locator("details.node.l1").first.locator("summary").first.click()

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    try:  # a copy for people to look at; not part of the assertion
        shutil.copy(shot, "/tmp/voc_report.png")
    except OSError:
        pass
    page.close()
    assert problems == []
    assert external == []
