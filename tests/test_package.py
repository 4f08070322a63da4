"""The package as users meet it: light import, complete exports, errors, the wheel."""

import subprocess
import sys
import zipfile

import pytest

import voc
from voc import errors

from .conftest import REPO


def test_all_is_sorted_and_complete():
    assert voc.__all__ == sorted(voc.__all__)
    for name in voc.__all__:
        assert getattr(voc, name) is not None, name
    public = {n for n in dir(voc) if not n.startswith("_") and n[0].isupper()}
    assert public <= set(voc.__all__) | {"TYPE_CHECKING", "Any"}


def test_import_is_light():
    code = (
        "import sys, voc; heavy = [m for m in ('torch', 'transformers', 'pandas', 'sklearn', "
        "'jieba', 'rjieba', 'opencc', 'numpy') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plain_functions_survive_importing_every_subpackage():
    """The analysis packages have their own names, so no import hides voc.normalize() & co."""
    code = (
        "import voc, voc._api as api, voc.normalization, voc.segmentation, voc.sentiment_analysis, "
        "voc.opinion_mining, voc.topics, voc.alerts\n"
        "voc.Normalizer, voc.Segmenter, voc.SentimentModel, voc.OpinionExtractor\n"
        "names = ['normalize', 'segment', 'tokenize', 'sentiment', 'emotion', 'opinions', 'analyze']\n"
        "print(all(getattr(voc, n) is getattr(api, n) for n in names), voc.segment('客服态度差'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True ['客服', '态度', '差']"


def test_neural_backends_not_loaded_by_analysis():
    code = (
        "import sys, voc; voc.analyze('物流很快'); "
        "print([m for m in ('torch', 'transformers') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_error_tree():
    assert issubclass(errors.InputError, ValueError)
    assert issubclass(errors.ConfigError, ValueError)
    assert issubclass(errors.NotFittedError, AttributeError)
    assert issubclass(errors.ModelNotFoundError, FileNotFoundError)
    for cls in (errors.InputError, errors.ConfigError, errors.NotFittedError,
                errors.ModelNotFoundError, errors.ModelLoadError):
        assert issubclass(cls, errors.VocError)


def test_config_error_names_file_and_line_and_pickles():
    import pickle

    err = errors.ConfigError("bad frequency 'x'", path="user.txt", line=3)
    assert str(err) == "user.txt:3: bad frequency 'x'"
    back = pickle.loads(pickle.dumps(err))
    assert (back.path, back.line, str(back)) == ("user.txt", 3, str(err))


def test_missing_model_lists_where_it_looked(monkeypatch, tmp_path):
    from voc._resources import model_path

    monkeypatch.setenv("VOC_MODEL_DIR", str(tmp_path))
    with pytest.raises(errors.ModelNotFoundError, match=str(tmp_path)):
        model_path("no-such-model")


def test_model_dir_env_takes_precedence(monkeypatch, tmp_path):
    from voc._resources import model_path

    (tmp_path / "segment").mkdir()
    monkeypatch.setenv("VOC_MODEL_DIR", str(tmp_path))
    assert model_path("segment") == tmp_path / "segment"


def test_wheel_ships_the_models(tmp_path):
    pytest.importorskip("build")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("voc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "voc/py.typed" in names
    shipped = {p.relative_to(REPO / "models").as_posix() for p in (REPO / "models").rglob("*") if p.is_file()
               and "__pycache__" not in p.parts}
    assert shipped, "models/ is empty"
    missing = [p for p in shipped if f"voc/_models/{p}" not in names]
    assert not missing


def test_installed_wheel_finds_models(tmp_path):
    """Install the wheel into a fresh venv (no deps) and resolve a model path from it."""
    pytest.importorskip("build")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("voc-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    code = "import voc._resources as r; print(r.model_path('segment'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": ""})
    assert out.stdout.strip().startswith(str(target / "voc" / "_models"))
