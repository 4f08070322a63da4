"""voc.plot: every plot renders to PNG from an analysed frame; Chinese is drawn with real glyphs."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

import voc  # noqa: E402
from voc import InputError, VocWarning, _fonts  # noqa: E402
from voc._resources import model_path  # noqa: E402
from voc import plot as vplot  # noqa: E402
from voc.errors import ConfigError, NotFittedError  # noqa: E402

REVIEWS = [
    "物流太慢了，等了一个星期才到", "快递很快，第二天就到了", "质量很好，做工精细，很满意",
    "客服态度很差，问了半天没人回", "包装破损了，东西也坏了", "价格便宜，性价比高",
    "味道不错，分量足", "太难吃了，再也不买了", "发货速度快，包装完好", "质量一般，有点失望",
    "客服很耐心，服务态度好", "送货员态度好，送货及时", "衣服尺码偏小，颜色不错", "太贵了，不值这个价",
]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    texts = REVIEWS * 4
    days = pd.Timestamp("2024-03-01") + pd.to_timedelta([(7 * i) % 60 for i in range(len(texts))], unit="D")
    src = pd.DataFrame({"review": texts, "date": days})
    return voc.analyze_frame(src, text_col="review").join(src["date"])


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    return data


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def test_sentiment_trend(frame):
    fig = vplot.sentiment_trend(frame, time_col="date", freq="W")
    assert isinstance(fig, Figure)
    _png(fig)
    ax = fig.axes[0]
    # one stacked bar per polarity and week; heights add up to the analysed rows
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == pytest.approx(len(frame))
    assert "情感趋势" in _texts(fig)
    monthly = vplot.sentiment_trend(frame, time_col="date", freq="M")
    assert len(monthly.axes[0].get_xticks()) == 2  # March and April


@pytest.mark.parametrize("kind", ["sunburst", "icicle"])
def test_opinion_tree(frame, kind):
    fig = vplot.opinion_tree(frame, kind=kind, max_children=3)
    _png(fig)
    labels = set(_texts(fig))
    for name in ("物流配送", "产品质量"):  # level-1 names are drawn (icicle: with their counts)
        assert any(t == name or t.startswith(name + "  ") for t in labels)
    n_mentions = int(frame["n_opinions"].sum())
    assert f"{n_mentions:,}" in " ".join(labels)


def test_opinion_tree_folds_children_beyond_max(frame):
    fig = vplot.opinion_tree(frame, kind="icicle", max_children=1)
    assert any(t.startswith("其他") for t in _texts(fig))


def test_topics_from_frame_and_tree(frame):
    fig = vplot.topics(frame, top=5)
    _png(fig)
    ax = fig.axes[0]
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(" › " in t for t in labels)
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths, reverse=True) or len(set(widths)) < len(widths)
    with_change = vplot.topics(frame, top=5, time_col="date", freq="M")
    assert any(("▲" in t or "▼" in t) for t in _texts(with_change))

    tree = voc.TopicTree(levels=2, min_size=2, random_state=0).fit(frame["text_norm"].tolist())
    fig2 = vplot.topics(tree, top=4)
    _png(fig2)
    assert 1 <= len(fig2.axes[0].patches) <= 4
    with pytest.raises(NotFittedError):
        vplot.topics(voc.TopicTree())


def test_wordcloud_terms_do_not_overlap(frame):
    fig = vplot.wordcloud(frame, max_words=30)
    _png(fig)
    ax = fig.axes[0]
    assert 3 <= len(ax.texts) <= 30
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    for i, a in enumerate(boxes):
        assert ax.bbox.contains(a.x0 + 1, a.y0 + 1) and ax.bbox.contains(a.x1 - 1, a.y1 - 1)
        for b in boxes[i + 1:]:
            # rendered glyph boxes may touch, never overlap by more than a pixel
            assert min(a.x1, b.x1) - max(a.x0, b.x0) <= 1 or min(a.y1, b.y1) - max(a.y0, b.y0) <= 1
    colours = {t.get_color() for t in ax.texts}
    assert "#d64545" in colours and "#2f9e5b" in colours  # negative red, positive green


def test_draw_into_callers_axes(frame):
    fig = Figure(figsize=(12, 8))
    axes = fig.subplots(2, 2)
    assert vplot.sentiment_trend(frame, time_col="date", ax=axes[0, 0]) is fig
    assert vplot.opinion_tree(frame, ax=axes[0, 1]) is fig
    assert vplot.topics(frame, ax=axes[1, 0]) is fig
    assert vplot.wordcloud(frame, ax=axes[1, 1]) is fig
    _png(fig)


def test_empty_and_bad_input(frame):
    no_ops = frame.assign(opinions=[[] for _ in range(len(frame))])
    for fn in (vplot.opinion_tree, vplot.wordcloud, vplot.topics):
        _png(fn(no_ops))
    with pytest.raises(InputError, match="time_col"):
        vplot.sentiment_trend(frame, time_col="when")
    with pytest.raises(ConfigError):
        vplot.opinion_tree(frame, kind="treemap")
    with pytest.raises(ConfigError):
        vplot.wordcloud(frame, max_words=0)
    with pytest.raises(ConfigError):
        vplot.topics(frame, top=0)
    with pytest.raises(InputError, match="TopicTree"):
        vplot.topics(["物流太慢"])
    with pytest.raises(InputError, match="opinions"):
        vplot.wordcloud(pd.DataFrame({"text": ["物流太慢"]}))


def test_rcparams_untouched_and_no_pyplot(frame):
    import matplotlib

    before = dict(matplotlib.rcParams)
    for fig in (vplot.sentiment_trend(frame, time_col="date"), vplot.opinion_tree(frame),
                vplot.topics(frame), vplot.wordcloud(frame)):
        _png(fig)
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()
    code = ("import sys, voc, voc.plot; assert 'matplotlib' not in sys.modules, 'eager import'; "
            "import pandas as pd; f = voc.analyze_frame(pd.DataFrame({'t': ['物流太慢了', '质量很好']}), text_col='t'); "
            "voc.plot.wordcloud(f); voc.plot.opinion_tree(f); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    res = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def test_missing_matplotlib_says_how_to_install(monkeypatch, frame):
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(ImportError, match=r"pip install 'voc\[report\]'") as err:
        vplot.wordcloud(frame)
    assert isinstance(err.value, InputError)


# -- fonts ----------------------------------------------------------------------------------------
def _glyph_image(text: str, prop: FontProperties) -> np.ndarray:
    fig = Figure(figsize=(1.2, 1.2), dpi=60, facecolor="white")
    fig.text(0.5, 0.5, text, fontproperties=prop, size=44, ha="center", va="center")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0] < 128


def _bundled() -> _fonts.CJKFont:
    path = str(model_path(*_fonts.BUNDLED))
    return _fonts.CJKFont(path, 0, "Voc Sans SC", "bundled")


@pytest.mark.parametrize("which", ["found", "bundled"])
def test_cjk_glyphs_are_not_tofu(which):
    font = _fonts.cjk_font() if which == "found" else _bundled()
    assert font is not None
    cjk = _fonts.font_properties(font=font)
    wu, liu = _glyph_image("物", cjk), _glyph_image("流", cjk)
    assert wu.sum() > 40 and liu.sum() > 40
    assert (wu ^ liu).sum() > 0.2 * max(wu.sum(), liu.sum())  # two different shapes

    latin = FontProperties(family="DejaVu Sans")
    with pytest.warns(UserWarning, match="missing from font"):  # matplotlib: DejaVu has no such glyphs
        t_wu, t_liu = _glyph_image("物", latin), _glyph_image("流", latin)
    assert np.array_equal(t_wu, t_liu)  # both the same empty box
    assert not np.array_equal(wu, t_wu)


def test_fonts_cover_the_taxonomy():
    tax = voc.load_taxonomy()
    level1 = "".join(tax.level1)
    everything = "".join("".join(p) for p in tax.paths(3))
    found = _fonts.cjk_font()
    assert found is not None
    assert _fonts.missing_glyphs(level1, found) == ""
    assert _fonts.missing_glyphs(everything, _bundled()) == ""  # the subset was built from these names
    assert _fonts.missing_glyphs(level1 + "，。！？“”（）0-9 abc%", _bundled()) == ""


def test_bundled_font_is_small_and_licensed():
    path = model_path(*_fonts.BUNDLED)
    assert path.stat().st_size <= 3_000_000
    licence = path.with_name("OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License" in licence and "Adobe" in licence


def test_env_var_picks_the_font(monkeypatch):
    path = str(model_path(*_fonts.BUNDLED))
    monkeypatch.setenv("VOC_CJK_FONT", path)
    font = _fonts.cjk_font()
    assert font is not None and font.source == "env" and font.path == path
    prop = _fonts.font_properties(size=9)
    assert prop.get_family()[0] == "Voc Sans SC" and prop.get_size_in_points() == 9
    monkeypatch.setenv("VOC_CJK_FONT", "No Such Font For voc tests")
    with pytest.warns(VocWarning, match="VOC_CJK_FONT"):
        fallback = _fonts.cjk_font()
    assert fallback is not None and fallback.source != "env"


def test_no_font_warns_once_with_the_fix(monkeypatch):
    monkeypatch.setattr(_fonts, "_lookup", lambda env: None)
    monkeypatch.setattr(_fonts, "_warned", set())
    with pytest.warns(VocWarning, match="fonts-noto-cjk"):
        assert _fonts.cjk_font() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _fonts.cjk_font() is None  # once
        assert _fonts.font_properties().get_family() == ["DejaVu Sans"]


def test_missing_glyphs_warning(monkeypatch):
    monkeypatch.setattr(_fonts, "_warned", set())
    with pytest.warns(VocWarning, match="no glyphs for 1 characters"):
        _fonts.warn_missing("物流很快 \U00010000")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fonts.warn_missing("物流很快 \U00010000")  # once per set of characters
        _fonts.warn_missing("物流很快 abc")


def test_bundled_font_is_the_fallback(monkeypatch, frame):
    monkeypatch.delenv("VOC_CJK_FONT", raising=False)
    monkeypatch.setattr(_fonts, "_from_matplotlib", lambda: None)
    monkeypatch.setattr(_fonts, "_from_fontconfig", lambda: None)
    uncached = _fonts._lookup.__wrapped__
    monkeypatch.setattr(_fonts, "_lookup", uncached)
    font = _fonts.cjk_font()
    assert font is not None and font.source == "bundled" and font.family == "Voc Sans SC"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every label has its glyphs: no matplotlib or voc warning
        fig = vplot.opinion_tree(frame)
        _png(fig)
    families = {t.get_fontfamily()[0] for t in fig.axes[0].texts}
    assert families == {"Voc Sans SC"}
