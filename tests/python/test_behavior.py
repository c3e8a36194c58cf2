import json
import math
import os

import numpy as np
import pytest

import attune

SOURCE = os.environ.get("ATTUNE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(SOURCE, "..", "shared", "data", "online_shoppers_intention", "online_shoppers_intention_train.csv")


def test_parse_event_and_errors():
    e = attune.parse_event({"type": "track", "userId": "u", "event": "Product Added",
                            "properties": {"product_id": "p", "price": 3.5}, "timestamp": "2026-11-28T10:00:00.5+01:00"})
    assert e.kind == "Product Added"
    assert e.price == 3.5
    assert e.utc_offset_min == 60
    with pytest.raises(ValueError):
        attune.parse_event('{"type":"track","event":"x","timestamp":"2026-11-28T10:00:00Z"}')  # no id
    with pytest.raises(ValueError):
        attune.parse_event('{"type":"track","userId":"u","event":"x","timestamp":"2026-11-28T10:00:00"}')  # no offset
    with pytest.raises(ValueError):
        attune.parse_event(b'{"type":"track","userId":"\xc3\x28","event":"x","timestamp":"2026-11-28T10:00:00Z"}')


def test_session_tracker_exact_features():
    t = attune.SessionTracker()
    assert t.observe({"type": "page", "userId": "u", "category": "administrative", "timestamp": "2026-11-28T10:00:00Z"}) == "new_session"
    t.observe({"type": "page", "userId": "u", "category": "product", "properties": {"page_value": 9},
               "timestamp": "2026-11-28T10:00:30Z"})
    t.observe({"type": "track", "userId": "u", "event": "Product Added", "timestamp": "2026-11-28T10:02:00Z"})
    f = t.features("u")
    assert f["Administrative"] == 1 and f["Administrative_Duration"] == 30
    assert f["ProductRelated"] == 1 and f["ProductRelated_Duration"] == 90
    assert f["PageValues"] == 4.5
    assert f["Month"] == 11 and f["Weekend"] == 1
    assert f["products_added"] == 1
    assert t.features("nobody") is None
    with pytest.raises(ValueError):
        t.observe({"type": "page", "userId": "u", "properties": {"bounce_rate": 2}, "timestamp": "2026-11-28T10:03:00Z"})
    assert t.features("u")["events"] == 3
    assert len(t) == 1 and t.erase("u") and len(t) == 0


def test_sessions_from_events_dataframe():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame([
        {"user_id": "a", "timestamp": "2026-11-28T10:00:00Z", "type": "page", "category": "product", "page_value": 5.0},
        {"user_id": "a", "timestamp": "2026-11-28T10:01:00Z", "event": "Product Added", "product_id": "p"},
        {"user_id": "b", "timestamp": "2026-02-08T09:00:00Z", "type": "page", "category": "informational"},
        {"user_id": "a", "timestamp": "2026-11-28T12:00:00Z", "type": "page", "category": "administrative"},
    ])
    s = attune.sessions_from_events(df)
    assert len(s) == 3
    a = s[s.customer == "a"].sort_values("session_index")
    assert list(a.ProductRelated) == [1, 0]
    assert list(a.Administrative) == [0, 1]
    assert a.iloc[0].ProductRelated_Duration == 60
    assert list(a.VisitorType) == ["New_Visitor", "Returning_Visitor"]
    b = s[s.customer == "b"].iloc[0]
    assert b.Month == "Feb" and b.SpecialDay == 1.0
    p = attune.IntentModel.default().predict_proba(s)
    assert p.shape == (3, 2) and np.all((p >= 0) & (p <= 1))


def test_intent_model_default_contributions_and_roundtrip(tmp_path):
    m = attune.IntentModel.default()
    assert m.features_ == attune.UCI_FEATURES
    X = np.array([[0, 0, 0, 0, 5, 300, 0.01, 0.02, 25, 0, 11, 2, 2, 1, 2, 1, 0],
                  [0, 0, 0, 0, 1, 0, 0.2, 0.2, 0, 0, 2, 1, 1, 1, 1, 1, 0]], dtype=float)
    p = m.predict_proba(X)[:, 1]
    assert p[0] > p[1]
    contrib, bias = m.contributions(X)
    logit = bias + contrib.sum(axis=1)
    assert np.allclose(1 / (1 + np.exp(-logit)), p, atol=1e-12)
    e = m.explain(list(X[0]))
    assert math.isclose(e["probability"], p[0], rel_tol=1e-12)
    path = tmp_path / "m.attm"
    m.save(path)
    assert np.array_equal(attune.IntentModel.load(path).predict_proba(X), m.predict_proba(X))
    assert np.array_equal(attune.IntentModel.from_bytes(m.to_bytes()).predict_proba(X), m.predict_proba(X))
    nopv = attune.IntentModel.default(without_page_values=True)
    assert "PageValues" not in nopv.features_
    with pytest.raises(ValueError):
        m.predict_proba(np.zeros((2, 5)))
    bad = X.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError):
        m.predict_proba(bad)
    with pytest.raises(attune.AttuneError):
        attune.IntentModel.load(tmp_path / "missing.attm")


def test_fit_is_sklearn_shaped():
    rng = np.random.default_rng(0)
    X = np.zeros((1500, 17))
    X[:, 4] = rng.integers(0, 40, 1500)
    X[:, 8] = np.where(rng.random(1500) < 0.3, rng.random(1500) * 50, 0)
    X[:, 10] = rng.integers(2, 13, 1500)
    y = (rng.random(1500) < 1 / (1 + np.exp(-(-2 + 0.08 * X[:, 8])))).astype(int)
    m = attune.IntentModel(trees=30, max_depth=3, learning_rate=0.2)
    assert m.fit(X, y) is m
    p = m.predict_proba(X)[:, 1]
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(y, p) > 0.75


def test_shipped_model_on_data_frame_with_uci_strings():
    pd = pytest.importorskip("pandas")
    if not os.path.exists(DATA):
        pytest.skip("../shared/data not found")
    df = pd.read_csv(DATA)
    y = df.pop("Revenue").astype(str).str.upper().eq("TRUE").astype(int).values
    p = attune.IntentModel.default().predict_proba(df)[:, 1]
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(y, p) > 0.9  # mostly training rows: a sanity check, not the honest figure
