import json
import os
import subprocess

import numpy as np
import pytest

import attune

SOURCE = os.environ.get("ATTUNE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("ATTUNE_BINARY_DIR", os.path.join(SOURCE, "build"))


@pytest.fixture(scope="module")
def model():
    return attune.EmotionModel.default()


def test_score_shape_and_ranges(model):
    s = model.score("Thank you so much, this is great!")
    assert list(s["labels"]) == attune.EMOTION_LABELS
    assert "gratitude" in s["active"]
    assert all(0.0 <= p <= 1.0 for p in s["labels"].values())
    assert -1.0 <= s["valence"] <= 1.0 and 0.0 <= s["arousal"] <= 1.0
    assert set(s["states"]) == {"frustration", "anxiety", "hesitation", "confusion", "curiosity",
                                "excitement", "satisfaction", "detachment"}
    assert list(s["ekman"]) == attune.EKMAN_GROUPS


def test_score_batch_accepts_list_series_and_matches_score(model):
    texts = ["I love it", "This is awful", "", "why is my order late?"]
    a = model.score_batch(texts)
    assert a.shape == (4, 28) and a.dtype == np.float32
    for i, t in enumerate(texts):
        single = model.score(t)["labels"]
        assert np.array_equal(a[i], np.array([single[n] for n in attune.EMOTION_LABELS], dtype=np.float32))
    pd = pytest.importorskip("pandas")
    b = model.score_batch(pd.Series(texts), threads=2)
    assert np.array_equal(a, b)


def test_python_matches_cli(model):
    """The CLI (C++) and Python give the same numbers (TSV has 6 significant digits)."""
    exe = os.path.join(BINARY, "bin", "attune")
    if not os.path.exists(exe):
        pytest.skip("attune CLI not built")
    texts = ["not bad", "GREAT!!!", "I'm worried the package is lost"]
    out = subprocess.run([exe, "emotions", "score", "--format", "tsv"], input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    probs = model.score_batch(texts)
    for line, row in zip(out, probs):
        assert np.allclose([float(x) for x in line.split("\t")], row, rtol=1e-5, atol=1e-7)


def test_errors(model):
    with pytest.raises(ValueError):
        model.score_batch("a single string is not a batch")
    with pytest.raises(ValueError):
        model.score_batch(["ok", 3])
    with pytest.raises(ValueError):
        model.score("x" * (attune.MAX_TEXT_BYTES + 1))
    with pytest.raises(attune.AttuneError):
        attune.EmotionModel.from_bytes(b"ATTUNEEM garbage")
    with pytest.raises(ValueError):
        model.correct("fine", ["not-a-label"])


def test_explain(model):
    ex = model.explain("thank you for the quick fix", top_k=2)
    labels = [e["label"] for e in ex]
    assert "gratitude" in labels
    grat = ex[labels.index("gratitude")]
    assert grat["tokens"][0]["token"] == "thank" and len(grat["tokens"]) <= 2


def test_correct_save_load_roundtrip(tmp_path):
    m = attune.EmotionModel.default()
    text = "my parcel is two weeks late"
    before = m.score(text)["labels"]["annoyance"]
    m.correct(text, ["annoyance"])
    after = m.score(text)["labels"]["annoyance"]
    assert after > before
    path = tmp_path / "adapted.attm"
    m.save(str(path))
    back = attune.EmotionModel.load(str(path))
    assert back.score(text) == m.score(text)
    assert attune.EmotionModel.from_bytes(m.to_bytes()).score(text) == m.score(text)


def test_classifier_sklearn_style():
    texts = ["I love this so much", "This is wonderful", "So happy today", "Great job team",
             "I hate this", "Worst service ever", "I am so angry", "This is awful",
             "The meeting is at noon", "It is a blue car", "He lives in Boston", "The file is attached"] * 2
    y = np.zeros((len(texts), 28), dtype=int)
    for i in range(len(texts)):
        y[i, [attune.EMOTION_LABELS.index("joy"), attune.EMOTION_LABELS.index("anger"),
              attune.EMOTION_LABELS.index("neutral")][(i % 12) // 4]] = 1
    clf = attune.EmotionClassifier(epochs=4, hash_bits=12, folds=2)
    assert clf.fit(texts, y) is clf
    assert list(clf.classes_) == attune.EMOTION_LABELS
    proba = clf.predict_proba(["I love it", "I hate it"])
    assert proba.shape == (2, 28)
    pred = clf.predict(["I love this so much", "Worst service ever, I hate it"])
    assert pred.shape == (2, 28) and pred.dtype == np.int8
    assert pred[0, attune.EMOTION_LABELS.index("joy")] == 1
    assert pred[1, attune.EMOTION_LABELS.index("anger")] == 1
    assert clf.partial_fit(["the invoice is wrong"], [["annoyance"]]) is clf
    assert clf.get_params()["hash_bits"] == 12
    with pytest.raises(ValueError):
        attune.EmotionClassifier().predict(["x"])
