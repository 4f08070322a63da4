"""TransformerSentiment on tiny random BERT checkpoints built in tmp_path (no downloads)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from voc import Document, InputError, ModelLoadError, ModelNotFoundError, Sentiment  # noqa: E402
from voc.errors import ConfigError, VocWarning  # noqa: E402
from voc.sentiment_analysis.transformer import (  # noqa: E402
    NeuralExtraMissing,
    TransformerSentiment,
    checkpoint_labels,
)

CHARS = list("好差很物流快慢客服态度质量不是的了我们这个东西太非常满意失望退款发货包装破损坏喜欢价格便宜贵一般还行吧，。！？")
POS = ["物流很快，很满意", "质量很好，喜欢", "非常好，便宜", "客服态度好", "包装很好，满意", "东西很好，喜欢"]
NEG = ["物流太慢了，失望", "质量很差，退款", "包装破损，差", "客服态度差", "东西坏了，失望", "太贵了，差"]


def make_checkpoint(folder: Path, *, id2label: dict[int, str] | None = None, max_pos: int = 64,
                    seed: int = 0) -> Path:
    """A tiny random BERT classifier with a character vocabulary, saved in ``folder``."""
    id2label = id2label or {0: "negative", 1: "neutral", 2: "positive"}
    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(CHARS)]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tok = transformers.BertTokenizer.from_pretrained(folder)
    tok.save_pretrained(folder)
    cfg = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=max_pos, num_labels=len(id2label),
        id2label=id2label, label2id={v: k for k, v in id2label.items()},
    )
    torch.manual_seed(seed)
    transformers.BertForSequenceClassification(cfg).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="module")
def model(ckpt: Path) -> TransformerSentiment:
    return TransformerSentiment(ckpt, device="cpu", batch_size=4)


# -- imports and loading -----------------------------------------------------------------------
def test_import_voc_does_not_import_torch() -> None:
    code = ("import sys, voc, voc.sentiment_analysis.transformer; "
            "from voc.sentiment_analysis.transformer import TransformerSentiment; "
            "TransformerSentiment('x'); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_extra_names_the_pip_command(ckpt: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers → ImportError
    with pytest.raises(NeuralExtraMissing, match=r"pip install 'voc\[neural\]'") as info:
        TransformerSentiment(ckpt).predict("好")
    assert isinstance(info.value, ImportError) and isinstance(info.value, ModelLoadError)


def test_constructor_only_stores(tmp_path: Path) -> None:
    m = TransformerSentiment(tmp_path / "nowhere", batch_size=8)
    assert m.get_params()["batch_size"] == 8 and "not loaded" in repr(m)
    with pytest.raises(ModelNotFoundError):
        m.predict("好")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="config.json"):
        TransformerSentiment(tmp_path / "empty").load()


def test_labels_from_config_and_override(tmp_path: Path) -> None:
    two = make_checkpoint(tmp_path / "two", id2label={0: "负面", 1: "正面"})
    m = TransformerSentiment(two, device="cpu")
    assert m.labels_ == ("negative", "positive")
    s = m.predict("物流很快")
    assert s.label in ("negative", "positive")  # no neutral output in a two-label model
    flipped = TransformerSentiment(two, device="cpu", id2label={0: "positive", 1: "negative"})
    assert flipped.labels_ == ("positive", "negative")
    assert flipped.predict("物流很快").polarity == pytest.approx(-s.polarity, abs=2e-4)


def test_generic_labels_warn(tmp_path: Path) -> None:
    gen = make_checkpoint(tmp_path / "gen", id2label={0: "LABEL_0", 1: "LABEL_1"})
    with pytest.warns(VocWarning, match="generic labels"):
        assert TransformerSentiment(gen, device="cpu").labels_ == ("negative", "positive")
    odd = make_checkpoint(tmp_path / "odd", id2label={0: "sports", 1: "news", 2: "music", 3: "x"})
    with pytest.raises(ConfigError, match="id2label"):
        TransformerSentiment(odd, device="cpu").load()


def test_checkpoint_labels_by_name() -> None:
    assert checkpoint_labels({"0": "NEG", "1": "neutral", "2": "Positive"}) == [0, 1, 2]
    assert checkpoint_labels({0: "1 star", 1: "3 stars", 2: "5 stars"}) == [0, 1, 2]
    with pytest.raises(ConfigError):
        checkpoint_labels({0: "negative", 2: "positive"})


def test_bad_device(ckpt: Path) -> None:
    with pytest.raises(ConfigError):
        TransformerSentiment(ckpt, device="toaster").load()
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA"):
            TransformerSentiment(ckpt, device="cuda").load()


# -- prediction ----------------------------------------------------------------------------------------
def test_predict_returns_a_consistent_sentiment(model: TransformerSentiment) -> None:
    s = model.predict("物流很快，很满意")
    assert isinstance(s, Sentiment) and s.evidence == ()
    p = model.predict_proba(["物流很快，很满意"])[0]
    assert p.sum() == pytest.approx(1.0)
    assert s.label == ("negative", "neutral", "positive")[int(p.argmax())]
    assert s.score == pytest.approx(p.max(), abs=1e-4)
    assert s.polarity == pytest.approx(p[2] - p[0], abs=2e-4)
    assert -1 <= s.polarity <= 1


def test_raw_text_is_normalised(model: TransformerSentiment) -> None:
    assert model.predict("物流很快，質量很好") == model.predict("物流很快，质量很好")
    raw = TransformerSentiment(model.model_path, device="cpu", normalize=False)
    assert raw.predict("质量很好") == model.predict("质量很好")


def test_batch_equals_one_by_one_in_order(model: TransformerSentiment) -> None:
    texts = POS + NEG + ["", "好"]  # different lengths, so batches are reordered internally
    assert model.predict_batch(texts) == [model.predict(t) for t in texts]
    assert model.predict_batch([]) == []


def test_long_texts_are_split_and_averaged(ckpt: Path) -> None:
    m = TransformerSentiment(ckpt, device="cpu", max_length=8, normalize=False)  # 6 characters a window
    text = "物流很快很满意质量很差退款了东西还行吧"  # 19 characters → 4 windows
    pieces = [text[i:i + 6] for i in range(0, len(text), 6)]
    parts = m.predict_proba(pieces)
    weights = np.asarray([len(p) for p in pieces], dtype=float)
    expected = (parts * weights[:, None]).sum(axis=0) / weights.sum()
    assert m.predict_proba([text])[0] == pytest.approx(expected, abs=1e-5)
    first = TransformerSentiment(ckpt, device="cpu", max_length=8, normalize=False, aggregate="first")
    assert first.predict_proba([text])[0] == pytest.approx(parts[0], abs=1e-5)
    # texts far beyond the model's 64 positions still run (default window = model limit)
    assert TransformerSentiment(ckpt, device="cpu").predict("很好" * 200).label in ("negative", "neutral", "positive")


def test_overlapping_windows(ckpt: Path) -> None:
    m = TransformerSentiment(ckpt, device="cpu", max_length=8, stride=2, normalize=False)
    assert m.predict_proba(["物流很快很满意质量很差退款了"]).shape == (1, 3)
    with pytest.raises(ConfigError, match="stride"):
        TransformerSentiment(ckpt, device="cpu", max_length=8, stride=6).load()


# -- step protocol ---------------------------------------------------------------------------------------
def test_call_and_pipe(model: TransformerSentiment) -> None:
    from voc.normalization import Normalizer

    norm = Normalizer()
    docs = [norm(t, id=i) for i, t in enumerate(POS + NEG)]
    one = [model(d) for d in docs]
    assert all(d.sentiment is None for d in docs)  # inputs untouched
    assert [d.sentiment for d in one] == [model.predict(d.raw) for d in docs]
    for bs in (1, 5, 256):
        assert list(model.pipe(iter(docs), batch_size=bs)) == one


def test_pickle_reloads_lazily(model: TransformerSentiment) -> None:
    model.predict("好")
    back = pickle.loads(pickle.dumps(model))
    assert "not loaded" in repr(back)
    assert back.predict("物流很快") == model.predict("物流很快")


def test_bad_input(model: TransformerSentiment) -> None:
    for bad in (None, 3, ["好"]):
        with pytest.raises(InputError):
            model.predict(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        model.predict_batch("一个字符串")
    with pytest.raises(InputError):
        model("好")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        list(model.pipe(["好"]))  # type: ignore[list-item]
    with pytest.raises(ConfigError):
        TransformerSentiment(model.model_path, batch_size=0).load()


# -- fine-tuning ------------------------------------------------------------------------------------------------
def test_finetune_learns_a_tiny_corpus(tmp_path: Path) -> None:
    base = make_checkpoint(tmp_path / "base", id2label={0: "LABEL_0", 1: "LABEL_1"}, seed=1)
    texts, labels = POS + NEG, ["positive"] * len(POS) + ["negative"] * len(NEG)
    m = TransformerSentiment.finetune(base, texts, labels, output_path=tmp_path / "tuned", epochs=40,
                                      learning_rate=3e-3, batch_size=4, warmup_ratio=0.0, device="cpu")
    assert (tmp_path / "tuned" / "config.json").exists()
    assert m.labels_ == ("negative", "positive")
    got = [s.label for s in m.predict_batch(texts)]
    assert np.mean(np.asarray(got) == np.asarray(labels)) >= 0.9
    again = TransformerSentiment(tmp_path / "tuned", device="cpu")
    assert again.predict_batch(texts) == m.predict_batch(texts)


def test_finetune_bad_input(tmp_path: Path, ckpt: Path) -> None:
    with pytest.raises(InputError, match="two sentiment classes"):
        TransformerSentiment.finetune(ckpt, ["好", "很好"], [1, 1], output_path=tmp_path / "o")
    with pytest.raises(InputError):
        TransformerSentiment.finetune(ckpt, ["好", "差"], ["positive"], output_path=tmp_path / "o")
    with pytest.raises(ModelNotFoundError):
        TransformerSentiment.finetune(tmp_path / "none", ["好", "差"], [1, 0], output_path=tmp_path / "o")
    with pytest.raises(ConfigError):
        TransformerSentiment.finetune(ckpt, ["好", "差"], [1, 0], output_path=tmp_path / "o", epochs=0)


def test_slow_tokenizer_windows_match_fast_ones(ckpt: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # with one token per character, splitting characters (the slow-tokenizer path) gives the
    # same windows as the fast tokenizer's overflow
    text = "物流很快很满意质量很差退款了东西还行吧"
    fast = TransformerSentiment(ckpt, device="cpu", max_length=8, stride=2, normalize=False)
    expected = fast.predict_proba([text, "好"])
    slow = TransformerSentiment(ckpt, device="cpu", max_length=8, stride=2, normalize=False).load()
    monkeypatch.setattr(type(slow._get().tokenizer), "is_fast", property(lambda self: False))
    assert slow.predict_proba([text, "好"]) == pytest.approx(expected, abs=1e-5)


def test_occlusion_evidence(ckpt: Path) -> None:
    m = TransformerSentiment(ckpt, device="cpu", normalize=False, evidence=True)
    text = "物流很快，但是包装破损了！客服态度差"
    s = m.predict(text)
    assert [sp.text for sp in sorted(s.evidence, key=lambda sp: sp.start)] == ["物流很快", "但是包装破损了", "客服态度差"]
    assert all(text[sp.start:sp.end] == sp.text for sp in s.evidence)
    assert [abs(sp.weight) for sp in s.evidence] == sorted((abs(sp.weight) for sp in s.evidence), reverse=True)
    plain = TransformerSentiment(ckpt, device="cpu", normalize=False)
    assert plain.predict(text).evidence == ()
    assert (s.label, s.polarity) == (plain.predict(text).label, plain.predict(text).polarity)
    for sp in s.evidence:  # weight = polarity drop when the clause is removed
        without = plain.predict(text[:sp.start] + text[sp.end:]).polarity
        assert sp.weight == pytest.approx(s.polarity - without, abs=5e-4)
    docs = [Document.from_text(t) for t in (text, "", "好")]
    assert list(m.pipe(docs, batch_size=2)) == [m(d) for d in docs]
    assert m.predict("").evidence == ()
