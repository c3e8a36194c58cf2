import math
import os
import pickle

import numpy as np
import pytest

import attune

SOURCE = os.environ.get("ATTUNE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def test_baseline_longer_than_usual_and_round_trip():
    b = attune.Baseline()
    for i in range(20):
        b.observe("dwell", 15.0 + i % 4, 1000.0 + 30 * i)
    assert b.z("dwell", 240.0) > 2.0
    assert abs(b.weight("dwell") - 20) < 0.1
    before = b.to_bytes()
    for bad in (math.nan, -1.0, math.inf):
        with pytest.raises(ValueError):
            b.observe("dwell", bad, 5000.0)
    with pytest.raises(ValueError):
        b.observe("dwell", 3.0, 10.0)  # out of order
    with pytest.raises(ValueError):
        b.observe("mood", 3.0, 6000.0)
    assert b.to_bytes() == before
    c = attune.Baseline.from_bytes(before)
    assert c == b
    assert pickle.loads(pickle.dumps(b)) == b
    with pytest.raises(attune.AttuneError):
        attune.Baseline.from_bytes(b"nonsense")


def test_hesitation_seed_scripts():
    b = attune.Baseline()
    for i in range(20):
        b.observe("dwell", 20.0, 100.0 * i)
    lingering = attune.HesitationDetector()
    lingering.observe_product_view("sku-7", 240.0, 5000.0, b)
    s = lingering.score()
    assert s["score"] > 0.6
    assert s["reasons"][0]["reason"] == "long_dwell"
    quick = attune.HesitationDetector()
    quick.observe_product_view("sku-7", 12.0, 5000.0, b)
    quick.observe_add_to_cart("sku-7", 5012.0)
    assert quick.score()["score"] < 0.1
    with pytest.raises(ValueError):
        quick.observe_page("checkout-ish", 6000.0)
    quick.observe_page("returns", 6000.0)
    assert attune.HesitationDetector.from_bytes(quick.to_bytes()) == quick


def test_engagement_monitor_detects_drop_and_accepts_pandas():
    rng = np.random.default_rng(4)
    days = 120
    values = rng.poisson(np.where(np.arange(days) < 80, 300, 230))
    m = attune.EngagementMonitor()
    out = m.observe_series(values, start_day=19000)
    detached = out["detached"]
    assert detached.shape == (days,)
    assert not detached[:80].any()
    first = int(np.argmax(detached))
    assert 80 <= first < 87
    assert 0 <= out["score"].min() and out["score"].max() <= 1
    with pytest.raises(ValueError):
        m.observe_series([1.0, math.nan], start_day=20000)
    assert m.status()["days_observed"] == days
    assert attune.EngagementMonitor.from_bytes(m.to_bytes()) == m
    pd = pytest.importorskip("pandas")
    idx = pd.date_range("2024-01-01", periods=days, freq="D")
    df = attune.EngagementMonitor().observe_series(pd.Series(values.astype(float), index=idx))
    assert list(df.columns) == ["detached", "score", "drop"]
    assert (df["detached"].to_numpy() == detached).all()


def test_state_transitions_fit_predict_and_churn():
    t = attune.StateTransitions().fit([["frustration", "detachment"]] * 20 + [["curiosity", "excitement"]] * 20)
    assert t.transition_matrix_.shape == (8, 8)
    assert np.allclose(t.transition_matrix_.sum(axis=1), 1.0, atol=1e-5)
    p = t.predict("frustration")
    assert p[attune.STATE_NAMES.index("detachment")] > 0.7
    r = t.churn_risk({"frustration": 0.8}, {"frustration": 0.6})
    assert r["flagged"]
    before = t.to_bytes()
    with pytest.raises(ValueError):
        t.fit([["frustration", "grumpy"]])
    assert t.to_bytes() == before
    with pytest.raises(ValueError):
        t.predict([0.1] * 7)


def test_turn_risk_rules_and_fit():
    m = attune.TurnRiskModel()
    bad = m.predict([(True, "Book a table for two."), (False, "Sorry, I couldn't make the reservation.")])
    ok = m.predict([(True, "Book a table for two."), (False, "Done! Enjoy your dinner.")])
    assert bad["probability"] > ok["probability"]
    probs = m.predict_proba([[], [{"role": "user", "text": "hi"}, {"role": "system", "text": "Sorry, unable to help."}]])
    assert probs.shape == (2,) and ((probs >= 0) & (probs <= 1)).all()
    data = []
    for i in range(40):
        fail = i % 2 == 0
        data.append([(True, "I need a taxi.", 0),
                     (False, "Unfortunately that failed." if fail else "Your taxi is booked.", None),
                     (True, "Ugh." if fail else "Thanks!", 1 if fail else 0)])
    fitted = attune.TurnRiskModel().fit(data, iterations=80)
    assert fitted.fitted
    hist = [(True, "I need a taxi."), (False, "Unfortunately that failed.")]
    assert fitted.predict(hist)["probability"] > 0.5
    again = attune.TurnRiskModel.from_bytes(fitted.to_bytes())
    assert again.predict(hist)["probability"] == pytest.approx(fitted.predict(hist)["probability"])


def test_next_best_action_table():
    t = attune.NextBestAction(os.path.join(SOURCE, "models", "next_best_action.json"))
    recs = t.recommend({"frustration": 0.7}, churn=True)
    assert recs[0]["action"] == "empathetic_check_in_email"
    assert "churn risk" in recs[0]["reason"]
    recs = t.recommend({"hesitation": 0.8}, max_actions=1)
    assert [r["action"] for r in recs] == ["explore_options_cta"]
    with pytest.raises(ValueError, match="grumpy"):
        attune.NextBestAction.from_json('{"format":"attune.next_best_action","version":1,'
                                        '"actions":{"a":{"label":"A"}},'
                                        '"rules":[{"id":"r","when":{"state":"grumpy"},"actions":["a"],"reason":"x"}]}')
    with pytest.raises(ValueError):
        t.recommend({"calm": 0.2})
