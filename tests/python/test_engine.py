import json

import attune
import pytest

T0 = 1_767_225_600_000


def make(**config):
    return attune.Engine(dict(seed=5, **config))


def grant_all(e, c, t=T0):
    for p in ("emotion_inference", "personalization", "profiling"):
        e.consent(c, p, True, t)


def test_decision_explains_itself_and_guards_anxious_customers():
    e = make(signals={"typing_erratic": {"state": "anxiety", "weight": 1.5}})
    grant_all(e, "ana")
    obs = e.observe_text("ana", "chat", "I'm really worried and nervous about this payment, I'm scared it will fail again", T0 + 1)
    assert obs["emotion_used"] and obs["observation_id"]
    e.observe_signal("ana", "web", "typing_erratic", 0.9, T0 + 1)
    assert e.profile("ana", T0 + 2)["states"]["anxiety"] >= 0.5
    d = e.decide("ana", "product_cta", T0 + 2)
    assert d["variant"] != "few_left"
    assert any(g["rule"] == "no_pressure_when_anxious" for g in d["guardrails"])
    assert 0 < d["propensity"] <= 1
    if d["emotion_used"]:
        assert d["disclosure"].startswith("This message was adapted because")
    e.reward(d["decision_id"], 1.0, T0 + 3)
    with pytest.raises(ValueError):
        e.reward(d["decision_id"], 1.0, T0 + 4)


def test_no_consent_means_no_emotion():
    e = make()
    e.consent("bo", "personalization", True, T0)
    obs = e.observe_text("bo", "chat", "I'm furious!!!", T0 + 1)
    assert obs == {"observation_id": "", "emotion_used": False}
    assert all(v == 0 for v in e.profile("bo", T0 + 2)["states"].values())


def test_bad_input_is_value_error():
    e = make()
    with pytest.raises(ValueError):
        e.observe_text("c", "fax", "hi", T0)
    with pytest.raises(ValueError):
        e.decide("c", "nope", T0)
    with pytest.raises(ValueError):
        e.reward("0123456789abcdef", float("nan"), T0)
    with pytest.raises(ValueError):
        attune.Engine({"mode": "loud"})
    with pytest.raises(ValueError):
        e.observe_event({"type": "track", "event": "Product Viewed"})


def test_events_and_profile_round_trip(tmp_path):
    cfg = {"seed": 1, "state_dir": str(tmp_path), "durability": "every_record"}
    e = attune.Engine(cfg)
    grant_all(e, "u1")
    r = e.observe_event({"type": "track", "userId": "u1", "event": "Product Viewed",
                         "properties": {"product_id": "p1"}, "timestamp": "2026-01-01T00:00:00Z"})
    assert r["customer"] == "u1" and r["kind"] == "Product Viewed"
    blob = e.export_profile("u1")
    del e
    e2 = attune.Engine(cfg)
    assert e2.export_profile("u1") == blob
    assert e2.restore_report["created"] is False
