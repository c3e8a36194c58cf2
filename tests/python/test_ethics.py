import datetime as dt
import json
import threading

import numpy as np
import pytest

import attune

T0 = 1_700_000_000_000
HOUR = 3_600_000


def test_consent_grant_expiry_revoke_forget():
    reg = attune.ConsentRegistry()
    assert not reg.allows("alice", "emotion_inference", T0)
    assert reg.grant("alice", "emotion_inference", T0, expires_at=T0 + HOUR, source="banner") is reg
    assert reg.allows("alice", "emotion_inference", T0)
    assert reg.allows("alice", "emotion_inference", T0 + HOUR - 1)
    assert not reg.allows("alice", "emotion_inference", T0 + HOUR)  # expiry instant is expired
    assert reg.status("alice", "emotion_inference", T0 + HOUR) == "expired"
    assert reg.status("alice", "emotion_inference", T0 - 1) == "pending"
    rec = reg.record("alice")
    assert rec["emotion_inference"]["expires_at_ms"] == T0 + HOUR
    assert rec["emotion_inference"]["source"] == "banner"
    reg.grant("alice", "personalization", T0)
    assert reg.revoke("alice", "personalization", T0 + 1, source="settings")
    assert not reg.allows("alice", "personalization", T0 + 2)
    assert reg.status("alice", "personalization", T0 + 2) == "revoked"
    assert reg.forget("alice")
    assert len(reg) == 0
    assert reg.record("alice") == {}


def test_consent_accepts_datetimes_and_rejects_bad_times():
    reg = attune.ConsentRegistry()
    when = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    reg.grant("bob", "profiling", when)
    assert reg.record("bob")["profiling"]["granted_at_ms"] == 1_704_067_200_000
    for bad in (float("nan"), float("inf"), -1, True, "yesterday"):
        with pytest.raises(ValueError):
            reg.grant("bob", "profiling", bad)
    with pytest.raises(ValueError, match="unknown consent purpose"):
        reg.grant("bob", "marketing", T0)
    with pytest.raises(ValueError):
        reg.grant("bob", "profiling", T0, expires_at=T0)  # expiry must be after the grant
    with pytest.raises(ValueError):
        reg.grant("", "profiling", T0)
    assert reg.record("bob")["profiling"]["granted_at_ms"] == 1_704_067_200_000  # unchanged


def test_consent_defaults_and_serialization_round_trip():
    reg = attune.ConsentRegistry(allow_when_absent=["personalization"])
    assert reg.allows("new", "personalization", T0)
    assert not reg.allows("new", "emotion_inference", T0)
    reg.revoke("new", "personalization", T0)
    assert not reg.allows("new", "personalization", T0)
    for i in range(50):
        reg.grant(f"c{i}", attune.PURPOSES[i % 3], T0 + i, expires_at=T0 + 10_000 if i % 2 else None)
    data = reg.serialize()
    copy = attune.ConsentRegistry().deserialize(data)
    assert copy.serialize() == data
    assert copy.customers() == reg.customers()
    with pytest.raises(attune.AttuneError) as e:
        copy.deserialize(data[:-1])
    assert e.value.status == "format_error"
    blob = reg.serialize_customer("c7")
    other = attune.ConsentRegistry()
    assert other.deserialize_customer(blob) == "c7"
    assert other.record("c7") == reg.record("c7")


def test_consent_thread_smoke():
    reg = attune.ConsentRegistry()

    def work(k):
        for i in range(500):
            reg.grant(f"t{k}-{i % 20}", "emotion_inference", T0)
            reg.allows(f"t{k}-{i % 20}", "emotion_inference", T0)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reg) == 80


CATALOG = [{"id": "buy_now", "tags": ["urgency", "sales"]},
           {"id": "last_3", "tags": ["scarcity"]},
           {"id": "help", "tags": ["non_sales", "calming"]}]


def test_default_guardrails_mask_pressure_for_anxious_customers():
    g = attune.Guardrails.load_default()
    assert len(g) >= 4
    kinds = {r["kind"] for r in g.rules}
    assert kinds == {"block_tags_when_state", "quiet_period", "frequency_cap", "no_emotion_for_slot_tags"}
    r = g.evaluate(CATALOG, now=T0, states={"anxiety": 0.8})
    assert isinstance(r.allowed, np.ndarray) and r.allowed.dtype == bool
    assert r.allowed.tolist() == [False, False, True]
    assert r.allowed_ids == ["help"]
    assert r.fired[0].id == "no_pressure_when_anxious"
    assert r.fired[0].masked == ["buy_now", "last_3"]
    assert r.use_emotion and not r.fallback_to_default
    # Below the threshold nothing fires; without states (no consent) the state rule is skipped.
    assert g.evaluate(CATALOG, now=T0, states={"anxiety": 0.49}).allowed.all()
    assert g.evaluate(CATALOG, now=T0).allowed.all()
    # Sadness signal, price slot.
    assert g.evaluate(CATALOG, now=T0, signals={"sadness": 0.9}).allowed_ids == ["help"]
    assert not g.evaluate(CATALOG, now=T0, slot_tags=["price"]).use_emotion


def test_quiet_period_and_frequency_cap_and_fallback():
    g = attune.Guardrails.load_default()
    r = g.evaluate(CATALOG, now=T0, state_peaks=[("frustration", 0.9, T0 - 23 * HOUR)])
    assert r.allowed_ids == ["help"]
    r = g.evaluate(CATALOG, now=T0, state_peaks=[("frustration", 0.9, T0 - 24 * HOUR)])
    assert r.allowed.all()
    r = g.evaluate(CATALOG, now=T0, recent_decisions=[T0 - i * HOUR for i in range(5)])
    assert r.fallback_to_default and not r.allowed.any()
    r = g.evaluate(CATALOG, now=T0, recent_decisions=[T0 - i * HOUR for i in range(4)])
    assert not r.fallback_to_default


def test_candidates_as_tuples_and_dataframe_and_json():
    pd = pytest.importorskip("pandas")
    g = attune.Guardrails.load_default()
    df = pd.DataFrame({"id": [c["id"] for c in CATALOG], "tags": [c["tags"] for c in CATALOG]})
    a = g.evaluate(df, now=T0, states=[0, 0.9, 0, 0, 0, 0, 0, 0])
    b = g.evaluate([(c["id"], c["tags"]) for c in CATALOG], now=T0, states=np.array([0, 0.9, 0, 0, 0, 0, 0, 0]))
    assert a.allowed.tolist() == b.allowed.tolist() == [False, False, True]
    res = g.evaluate_json({"now_ms": T0, "states": {"anxiety": 0.9}, "candidates": CATALOG})
    assert res["allowed"] == ["help"]


def test_malformed_rules_and_context_raise_value_error():
    with pytest.raises(ValueError, match="/rules/0/when/0/at_least"):
        attune.Guardrails.from_json({"version": 1, "rules": [
            {"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 2}],
             "block_tags": ["urgency"]}]})
    with pytest.raises(ValueError, match="duplicate rule id"):
        rule = {"id": "p", "kind": "no_emotion_for_slot_tags", "slot_tags": ["price"]}
        attune.Guardrails.from_json({"version": 1, "rules": [rule, rule]})
    with pytest.raises(ValueError, match="malformed JSON"):
        attune.Guardrails.from_json("{nope")
    g = attune.Guardrails.load_default()
    with pytest.raises(ValueError):
        g.evaluate(CATALOG, now=T0, states={"anxiety": float("nan")})
    with pytest.raises(ValueError):
        g.evaluate(CATALOG, now=T0, states={"angst": 0.5})
    with pytest.raises(ValueError):
        g.evaluate(CATALOG, now=-5)
    # Canonical JSON round trip.
    again = attune.Guardrails.from_json(g.to_json())
    assert again.rules == g.rules
    assert json.loads(g.to_json())["version"] == 1


def _cli():
    import os
    binary = os.path.join(os.environ.get("ATTUNE_BINARY_DIR", "build"), "bin", "attune")
    if not os.path.exists(binary):
        pytest.skip("attune CLI not built")
    return binary


def test_cli_check_and_eval(tmp_path):
    import os
    import subprocess
    cli = _cli()
    src = os.environ.get("ATTUNE_SOURCE_DIR", ".")
    ok = subprocess.run([cli, "guardrails", "check", "--rules", os.path.join(src, "models", "guardrails.json")],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "no_pressure_when_anxious" in ok.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "rules": [{"id": "x", "kind": "quiet_period", "hours": 0,'
                   ' "when": [{"state": "frustration", "at_least": 0.7}], "allow_tags": ["non_sales"]}]}')
    res = subprocess.run([cli, "guardrails", "check", "--rules", str(bad)], capture_output=True, text=True)
    assert res.returncode == 2
    assert "/rules/0/hours" in res.stderr
    req = json.dumps({"now_ms": T0, "states": {"anxiety": 0.9}, "candidates": CATALOG})
    out = subprocess.run([cli, "guardrails", "eval"], input=req + "\n", capture_output=True, text=True)
    assert out.returncode == 0
    assert json.loads(out.stdout)["allowed"] == ["help"]
