"""EmotionModel: the shipped model, features, training, persistence, pipeline protocol, inputs."""

from __future__ import annotations

import importlib.util
import json
import pickle
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from voc import Document, Emotion, InputError, ModelLoadError, ModelNotFoundError, NotFittedError
from voc.errors import ConfigError
from voc.sentiment_analysis.emotion import ANGER_CUES, LABELS, EmotionModel, emotion_features

from tests.strategies import messy_texts

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"

# A tiny corpus written for these tests: two clear examples per class it uses.
TINY = [
    ("气死我了，垃圾服务", "anger"), ("太过分了，我要投诉", "anger"),
    ("今天好开心哈哈", "happiness"), ("开心，终于放假了", "happiness"),
    ("好难过，想哭", "sadness"), ("难过得睡不着", "sadness"),
    ("明天上午开会", "none"), ("请问几点发货", "none"),
]


@pytest.fixture(scope="module")
def model() -> EmotionModel:
    return EmotionModel.load()


@pytest.fixture(scope="module")
def tiny() -> EmotionModel:
    texts, labels = zip(*TINY)
    return EmotionModel(min_df=1).fit(list(texts), list(labels))


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    from voc.normalization import Normalizer
    from voc.segmentation import Segmenter

    norm, seg = Normalizer(), Segmenter()
    texts = ["客服態度太差，氣死我了！！", "物流很快，很喜欢😍", "", "请问几点发货？", "天哪居然中奖了[吃惊]"]
    out = []
    for i, t in enumerate(texts):
        d = norm(t, id=i)
        out.append(seg(d) if i % 2 == 0 else d)  # some documents with tokens, some without
    return out


# -- the shipped model ---------------------------------------------------------------------
def test_shipped_model_loads_with_its_card(model: EmotionModel) -> None:
    assert model.classes_ == LABELS
    assert LABELS == ("anger", "disgust", "fear", "happiness", "like", "sadness", "surprise", "none")
    info = model.info_
    assert info["n_features"] > 10_000
    assert set(info["heldout"]) == {"argmax", "thresholded"}
    assert (REPO / "models" / "emotion" / "README.md").exists()


@pytest.mark.parametrize("text, label", [
    ("你们这破网速我真是受够了，马上给我退钱！", "anger"),
    ("等了三天还没人处理，你们客服是摆设吗？气死人了", "anger"),
    ("什么垃圾东西，用一天就坏了", "anger"),
    ("今天太开心了哈哈哈", "happiness"),
    ("好伤心，哭了一晚上", "sadness"),
    ("这款手机真好用，很喜欢", "like"),
    ("好害怕，晚上一个人不敢出门", "fear"),
    ("天啊，居然是真的？", "surprise"),
    ("明天的航班几点登机？", "none"),
    ("我想把套餐改成月租五十的", "none"),
    ("麻烦帮我查一下订单", "none"),
])
def test_clear_examples(model: EmotionModel, text: str, label: str) -> None:
    assert model.predict(text).label == label


def test_scores_are_a_distribution_over_the_eight_labels(model: EmotionModel) -> None:
    e = model.predict("客服态度太差了，我要投诉")
    assert isinstance(e, Emotion)
    assert tuple(e.scores) == LABELS
    assert sum(e.scores.values()) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in e.scores.values())


def test_traditional_and_emoji_input_is_normalised(model: EmotionModel) -> None:
    # the model normalises raw text itself: traditional script reads like simplified
    a = model.predict("客服態度太差，氣死我了")
    b = model.predict("客服态度太差，气死我了")
    assert a == b
    assert model.predict("信号又断了😡😡").scores["anger"] > model.predict("信号又断了").scores["anger"]


def test_empty_text_gives_a_result(model: EmotionModel) -> None:
    e = model.predict("")
    assert e.label in LABELS
    assert sum(e.scores.values()) == pytest.approx(1.0)


def test_anger_threshold_decides_anger(model: EmotionModel) -> None:
    texts = ["客服态度太差了，我要投诉", "气死我了", "请问什么时候发货？", "恶心死了，饭里有苍蝇"]
    for thr in (0.05, 0.5, 0.95):
        m = pickle.loads(pickle.dumps(model)).set_params(anger_threshold=thr)
        for t in texts:
            e = m.predict(t)
            assert (e.label == "anger") == (e.scores["anger"] >= thr)
            if e.label != "anger":
                others = {k: v for k, v in e.scores.items() if k != "anger"}
                assert e.label == max(others, key=others.__getitem__)
    m = pickle.loads(pickle.dumps(model)).set_params(anger_threshold=None)
    e = m.predict("客服态度太差了，我要投诉")
    assert e.label == max(e.scores, key=e.scores.__getitem__)


# -- features ---------------------------------------------------------------------------------
def test_features_cover_words_chars_emoticons_and_cues() -> None:
    f = emotion_features("客服太差了[怒]😡！！", ["客服", "太", "差", "了", "[", "怒", "]", "😡", "！", "！"])
    assert "w:客服" in f and "c:客" in f and "c:客服" in f
    assert "x:e:怒" in f and "x:p:!!" in f and "x:cue:anger_emo" in f
    assert len(f) == len(set(f))


def test_anger_cue_respects_a_negator() -> None:
    assert "x:cue:anger" in emotion_features("我很生气", ["我", "很", "生气"])
    neg = emotion_features("我不生气", ["我", "不", "生气"])
    assert "x:cue:anger_neg" in neg and "x:cue:anger" not in neg
    assert {"投诉", "骗子", "垃圾", "无语", "恶心", "气死"} <= set(ANGER_CUES)
    for calm in ("usb接口很好用", "拍照曝光准确", "再也不用担心电量了"):  # look-alikes of cues
        assert not any(f.startswith("x:cue") for f in emotion_features(calm, [calm]))


def test_emoji_and_bracket_emoticon_share_a_tag() -> None:
    a = emotion_features("😡", ["😡"])
    b = emotion_features("[怒]", ["[", "怒", "]"])
    assert "x:e:怒" in a and "x:e:怒" in b


# -- training, persistence --------------------------------------------------------------------------
def test_fit_tiny_corpus_learns_it(tiny: EmotionModel) -> None:
    assert tiny.predict("气死我了").label == "anger"
    assert tiny.predict("好开心").label == "happiness"
    # labels absent from training keep a tiny probability and are never predicted
    e = tiny.predict("好开心")
    assert e.scores["fear"] < 1e-6
    assert tiny.info_["class_counts"] == {"anger": 2, "happiness": 2, "sadness": 2, "none": 2}


def test_fit_two_classes() -> None:
    m = EmotionModel(min_df=1).fit(["气死了", "垃圾", "好开心", "开心"], ["anger", "anger", "happiness", "happiness"])
    assert m.predict("气死").label == "anger"
    assert m.predict("开心").label == "happiness"


def test_save_load_round_trip(tiny: EmotionModel, tmp_path: Path) -> None:
    tiny.save(tmp_path / "m")
    back = EmotionModel.load(tmp_path / "m")
    assert back.get_params() == tiny.get_params()
    for t in ["气死我了", "今天好开心", "明天开会", ""]:
        assert back.predict(t) == tiny.predict(t)
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == "voc-emotion" and meta["labels"] == list(LABELS)


def test_version_mismatch_is_a_model_load_error(tiny: EmotionModel, tmp_path: Path) -> None:
    tiny.save(tmp_path / "m")
    meta_file = tmp_path / "m" / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["format_version"] = 99
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="version 99"):
        EmotionModel.load(tmp_path / "m")


def test_wrong_or_corrupt_folder(tiny: EmotionModel, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError):
        EmotionModel.load(tmp_path / "nothing")
    shutil.copytree(REPO / "models" / "emotion", tmp_path / "copy")
    meta_file = tmp_path / "copy" / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["format"] = "voc-sentiment"
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError):
        EmotionModel.load(tmp_path / "copy")
    tiny.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    meta["n_features"] += 1
    (tmp_path / "m" / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="re-save"):
        EmotionModel.load(tmp_path / "m")


def test_pickle(model: EmotionModel, tiny: EmotionModel) -> None:
    for m in (model, tiny):
        back = pickle.loads(pickle.dumps(m))
        assert back.predict("客服太差，气死了") == m.predict("客服太差，气死了")
    unfitted = pickle.loads(pickle.dumps(EmotionModel(C=2.0)))
    assert unfitted.C == 2.0
    with pytest.raises(NotFittedError):
        unfitted.predict("好")


# -- pipeline protocol ----------------------------------------------------------------------------------
def test_call_returns_a_new_document(model: EmotionModel, docs: list[Document]) -> None:
    d = docs[0]
    out = model(d)
    assert d.emotion is None  # input untouched
    assert out.emotion == model.predict(d.raw)
    assert out.text == d.text and out.tokens == d.tokens and out.id == d.id


@pytest.mark.parametrize("batch_size", [1, 2, 1024])
def test_pipe_equals_one_by_one(model: EmotionModel, docs: list[Document], batch_size: int) -> None:
    piped = list(model.pipe(iter(docs), batch_size=batch_size))
    assert piped == [model(d) for d in docs]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=messy_texts)
def test_one_text_path_equals_the_batch_path(model: EmotionModel, text: str) -> None:
    """One text is scored without the batch machinery; the doubles must not change."""
    norm, seg = model._get_tools()
    clean = norm.normalize(text)
    item = (clean, seg.cut(clean) if clean else [])
    st = model._fitted()
    assert np.array_equal(model._scores(st, [item])[0], model._scores(st, [item, ("好", ["好"])])[0])


def test_predict_batch_equals_predict(model: EmotionModel) -> None:
    texts = ["气死了", "", "好开心[哈哈]", "明天开会"]
    assert model.predict_batch(texts) == [model.predict(t) for t in texts]
    assert model.predict_batch([]) == []


def test_threads_share_one_model() -> None:
    m = EmotionModel.load()  # fresh: tools are built lazily by the threads themselves
    texts = ["气死我了", "好开心", "请问几点发货", "好难过"] * 25
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(m.predict, texts))
    assert got == [m.predict(t) for t in texts]


# -- bad input ---------------------------------------------------------------------------------------------
def test_bad_input(model: EmotionModel) -> None:
    for bad in (None, 123, ["好"], float("nan")):
        with pytest.raises(InputError):
            model.predict(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        model.predict_batch("一个字符串")
    with pytest.raises(InputError):
        model("不是 Document")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        list(model.pipe("不是 Document 列表"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        list(model.pipe([], batch_size=0))
    assert model.predict("好评".encode()) == model.predict("好评")  # bytes are decoded


def test_bad_training_input() -> None:
    with pytest.raises(InputError, match="unknown emotion label"):
        EmotionModel().fit(["好", "坏"], ["joy", "anger"])
    with pytest.raises(InputError, match="labels"):
        EmotionModel().fit(["好", "坏"], ["anger"])
    with pytest.raises(InputError, match="two emotion labels"):
        EmotionModel().fit(["好", "坏"], ["anger", "anger"])
    with pytest.raises(InputError, match="min_df"):
        EmotionModel(min_df=5).fit(["好", "坏"], ["anger", "none"])
    with pytest.raises(ConfigError):
        EmotionModel(C=0).fit(["好", "坏"], ["anger", "none"])
    with pytest.raises(ConfigError):
        EmotionModel(anger_threshold=1.5).fit(["好", "坏"], ["anger", "none"])
    with pytest.raises(ConfigError):
        EmotionModel(char_ngrams=(3, 1)).fit(["好", "坏"], ["anger", "none"])
    with pytest.raises(ConfigError):
        EmotionModel().set_params(alpha=1)


def test_unfitted_model() -> None:
    m = EmotionModel()
    with pytest.raises(NotFittedError, match="fit"):
        m.predict("好")
    with pytest.raises(NotFittedError):
        m.save("unused")
    assert "not fitted" in repr(m)


# -- quality regression on the held-out split of ../shared/data -------------------------------------------------
def _train_module():
    spec = importlib.util.spec_from_file_location("voc_emotion_train", REPO / "models" / "emotion" / "train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.mark.data
def test_heldout_regression_floor(model: EmotionModel) -> None:
    path = DATA / "emotion" / "nlpcc2013_weibo.csv"
    if not path.exists():
        pytest.skip(f"needs {path} (the project's shared data), absent here")
    train = _train_module()
    _, test = train.heldout_split(train.read_nlpcc(path))
    texts, y = list(test.text), np.asarray(test.label)
    proba = model.predict_proba(texts)
    argmax = np.asarray(LABELS)[proba.argmax(axis=1)]
    from sklearn.metrics import f1_score, precision_score

    # measured when shipped (23 Nov): macro-F1 0.417, anger F1 0.427 (argmax); anger precision 0.709 thresholded
    assert f1_score(y, argmax, average="macro") >= 0.39
    assert f1_score(y == "anger", argmax == "anger") >= 0.39
    thresholded = np.asarray([e.label for e in model.predict_batch(texts)]) == "anger"
    assert precision_score(y == "anger", thresholded) >= 0.60
    assert thresholded.sum() >= 25  # the threshold still fires


def _reference_proba(model: EmotionModel, text: str) -> np.ndarray:
    """Scores the slow, obvious way: feature names → rows of the weight table → softmax."""
    st = model._state
    row_of = {name: i for i, name in enumerate(st.names())}
    clean, words = model._clean(text)
    rows = [row_of[f] for f in emotion_features(clean, words, char_ngrams=model.char_ngrams) if f in row_of]
    z = st.W[rows].astype(np.float64).sum(axis=0) + st.bias
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize("char_ngrams", [(1, 2), (1, 3), (2, 2)])
def test_batched_scoring_matches_the_feature_names(char_ngrams: tuple[int, int]) -> None:
    texts = ["气死我了 垃圾服务!!", "ABC客服态度绝绝子👍", "", "好\x00评", "天哪[吃惊]居然到了？？", "a b  c", "😡🤬"]
    corpus = [t for t, _ in TINY] + texts[:2]
    labels = [y for _, y in TINY] + ["anger", "happiness"]
    m = EmotionModel(min_df=1, char_ngrams=char_ngrams).fit(corpus, labels)
    got = m.predict_proba(texts)
    for t, row in zip(texts, got):
        assert row == pytest.approx(_reference_proba(m, t), abs=1e-6)
    shipped = EmotionModel.load()
    for t, row in zip(texts, shipped.predict_proba(texts)):
        assert row == pytest.approx(_reference_proba(shipped, t), abs=1e-6)


def test_one_text_scores_equal_batch_scores() -> None:
    """A text's probabilities do not depend on its batch-mates (bit for bit)."""
    from voc.sentiment_analysis.emotion import EmotionModel as _EM

    m = _EM.load()
    norm, seg = m._get_tools()
    texts = ["", "😡", "[怒][怒]", "气死我了，我要投诉！！", "這個手機很好用", "a", "质量不错，物流也很快。" * 200]
    items = [(c, seg.cut(c) if c else []) for c in map(norm.normalize, texts)]
    st = m._fitted()
    batch = m._scores(st, items)
    for item, row in zip(items, batch):
        assert m._scores(st, [item])[0].tobytes() == row.tobytes()


def test_cue_prior_raises_only_the_anger_weight_of_the_cues() -> None:
    texts = ["气死我了，我要投诉", "太开心了", "今天周一", "真好吃", "气死了", "明天下雨"] * 3
    labels = ["anger", "happiness", "none", "like", "anger", "none"] * 3
    plain = EmotionModel(min_df=1).fit(texts, labels)
    boosted = EmotionModel(min_df=1, cue_prior=1.0).fit(texts, labels)
    a, b = plain._fitted(), boosted._fitted()
    j = a.extras["cue:anger"]
    anger = list(LABELS).index("anger")
    assert b.W[j, anger] == pytest.approx(a.W[j, anger] + 1.0)
    diff = np.argwhere(a.W != b.W)
    assert {tuple(x) for x in diff.tolist()} <= {(j, anger), (a.extras.get("cue:anger_emo", -1), anger)}
    assert boosted.predict_proba(["我要投诉"])[0, anger] > plain.predict_proba(["我要投诉"])[0, anger]
    with pytest.raises(ConfigError, match="cue_prior"):
        EmotionModel(cue_prior=float("nan")).fit(texts, labels)


@pytest.mark.parametrize("text", ["不是来投诉的，就是反馈一下路灯不亮", "我没有生气，只是问一下"])
def test_negated_cues_within_the_clause(text: str) -> None:
    from voc.sentiment_analysis.emotion import _text_keys

    extras = _text_keys(text, [], True)[2]
    assert "cue:anger_neg" in extras and "cue:anger" not in extras
    # a negator in an earlier clause does not negate: 不发货，我要投诉
    assert "cue:anger" in _text_keys("一直不发货，我要投诉", [], True)[2]


@pytest.mark.parametrize("text", ["我好生气呀", "我很生气", "好嬲呀", "好生气"])
def test_anger_below_the_threshold_is_never_a_positive_label(model: EmotionModel, text: str) -> None:
    """When anger is the likeliest emotion but below the threshold, the label is none or another
    negative emotion, never happiness, like or surprise (their second guess once)."""
    e = model.predict(text)
    assert e.label in ("anger", "none", "disgust", "sadness", "fear"), e


def test_threshold_fallback_keeps_other_labels(model: EmotionModel) -> None:
    """A text whose likeliest emotion is not anger keeps it under the threshold."""
    m = EmotionModel.load().set_params(anger_threshold=None)
    for text in ("太开心了，终于到货了", "这个客服小姐姐真贴心，点赞"):
        assert model.predict(text).label == m.predict(text).label


@pytest.mark.parametrize("text", [
    "你们些客服是不是食屎㗎？同一个问题问三次都答错",   # Hong Kong
    "有冇搞錯，等咗成個鐘都冇人聽電話",
    "再唔處理我就去消委會",
    "靠北，包裹又寄錯了",                                # Taiwan
    "客服一直踢皮球，很賭爛",
    "我會直接投訴到公平會",
])
def test_regional_anger_cues(model: EmotionModel, text: str) -> None:
    """Hong Kong and Taiwan anger and escalation words are anger cues."""
    from voc import Normalizer, segment

    clean = Normalizer().normalize(text)
    assert "x:cue:anger" in emotion_features(clean, segment(clean))
    scores = model.predict(text).scores
    assert max(scores, key=scores.get) == "anger", scores


@pytest.mark.parametrize("text", ["不是来投诉的，只是想问一下", "这款清爽不油腻，夏天用刚好"])
def test_regional_cues_do_not_fire_on_plain_text(model: EmotionModel, text: str) -> None:
    assert model.predict(text).label != "anger"


def _blind_anger_pr(model: EmotionModel, name: str) -> tuple[float, float, float]:
    """Anger precision, recall and F1 of the shipped labels on ``benchmarks/data/<name>.tsv``."""
    import pandas as pd

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / f"{name}.tsv"
    df = pd.read_csv(path, sep="\t", quoting=3, dtype=str, keep_default_na=False)
    gold = df.label.to_numpy() == "anger"
    shipped = np.asarray([e.label for e in model.predict_batch(df.text.tolist())]) == "anger"
    tp = float((shipped & gold).sum())
    precision, recall = tp / max(shipped.sum(), 1), tp / gold.sum()
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def test_regional_customer_service_anger_quality_floor(model: EmotionModel) -> None:
    """A floor under the Hong Kong and Taiwan blind set's anger scores (benchmarks/emotion_eval.py).

    Measured when shipped (23 Nov 2026, second session): thresholded P 1.000, F1 0.627 (0.526
    before the regional cues); argmax F1 0.707. A guard, not a target.
    """
    precision, _, f1 = _blind_anger_pr(model, "emotion_regional_blind")
    assert precision >= 0.85 and f1 >= 0.55


def test_customer_service_anger_quality_floor(model: EmotionModel) -> None:
    """A floor under the blind customer-service set's anger scores (benchmarks/emotion_eval.py).

    Measured when shipped (23 Nov 2026): thresholded P 0.965, F1 0.701; argmax F1 0.782.
    The floor sits well below, to catch a broken model or cue list, not to tune against.
    """
    precision, _, f1 = _blind_anger_pr(model, "emotion_cs_blind")
    assert precision >= 0.85 and f1 >= 0.62
