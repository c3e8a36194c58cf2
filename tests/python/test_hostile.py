"""Hostile input against the Python API (issue 9, item 4), as one table.

Each row is (name, call, expected exception, message pattern). A bad argument raises ValueError
(malformed files and blobs raise attune.AttuneError with a status) whose message names the
problem, and the state of every object is the same before and after (a fingerprint of their
serialized state, counts and the scores of a probe text). The 100 MB text is built once and
refused by length before anything copies or scans it.
"""
import json
import math
import os

import numpy as np
import pytest

import attune

T0 = 1_767_225_600_000
BIG = "a" * (100 * 1024 * 1024)      # 100 MB of valid text, far above every limit
DEEP = "[" * 100_000                   # unterminated nesting
DEEP_CLOSED = "[" * 100_000 + "]" * 100_000
DEEP_OBJ = '{"a":' + "[" * 50_000 + "]" * 50_000 + "}"
SURROGATE = "caf\udce9"                # not encodable as UTF-8 (a lone surrogate)
# pybind11 refuses a str it cannot encode as UTF-8 before attune sees it, with TypeError
# ("incompatible function arguments"); the friendly layer raises ValueError where it encodes.
PYBIND_UTF8 = TypeError
CATALOG = json.dumps({
    "context": {"intents": ["purchase"], "features": []},
    "slots": [{"id": "cta", "variants": [
        {"id": "buy_now", "text": "Buy Now", "safe_default": True, "attributes": {"tone": "direct"}},
        {"id": "explore", "text": "Explore", "attributes": {"tone": "gentle"}, "tags": ["calming"]}]}]})
VIEW = {"type": "track", "userId": "u1", "event": "Product Viewed",
        "properties": {"product_id": "p7", "price": 19.5}, "timestamp": "2026-11-28T10:00:00Z"}
PROBE = "I am so annoyed, the payment failed AGAIN"


class World:
    """The live objects every row may touch."""

    def __init__(self):
        self.engine = attune.Engine({"seed": 5})
        self.engine.consent("c1", "emotion_inference", True, T0)
        self.engine.consent("c1", "personalization", True, T0)
        self.engine.observe_text("c1", "chat", "I'm worried about this payment", T0 + 1)
        self.decision = self.engine.decide("c1", "product_cta", T0 + 2)["decision_id"]
        self.model = attune.EmotionModel.default()
        self.tracker = attune.SessionTracker()
        self.tracker.observe(VIEW)
        self.policy = attune.Policy(3, 3)
        self.policy.learn([0.1, 0.2, 0.3], 1, 1.0, 0.5)
        self.catalog = attune.Catalog.from_json(CATALOG)
        self.selector = attune.Selector(self.catalog)
        self.registry = attune.ConsentRegistry()
        self.registry.grant("c1", "personalization", T0)
        self.guardrails = attune.Guardrails.load_default()
        self.baseline = attune.Baseline()
        self.baseline.observe("dwell", 12.0, 1000.0)
        self.transitions = attune.StateTransitions()
        self.transitions.observe("frustration", "detachment", 1.0)

    def fingerprint(self):
        e = self.engine
        return (json.dumps(e.stats(), sort_keys=True), e.export_profile("c1"),
                json.dumps(e.profile("c1", T0 + 60_000), sort_keys=True),
                tuple(np.round(self.model.score_batch([PROBE])[0], 7)),
                json.dumps(self.tracker.features("u1"), sort_keys=True, default=str),
                self.policy.save(), self.policy.updates_, self.selector.save(), self.selector.pending,
                self.registry.serialize(), self.baseline.to_bytes(), self.transitions.to_bytes())


@pytest.fixture(scope="module")
def w():
    return World()


def truncated(blob):
    return blob[: len(blob) // 2]


def wrong_byte(blob, at, value=99):
    b = bytearray(blob)
    b[at] = value
    return bytes(b)


LIMIT = r"(?i)limit|larger|longer|deeper|above|exceed"
UTF8 = r"(?i)utf-?8|surrogate|encode"
RANGE = r"(?i)finite|nan|range|must be|outside|negative|inf"
DUP = r"(?i)duplicate"
VALUE = ValueError
FILE = attune.AttuneError

# (name, call, exception, message pattern)
CASES = [
    # text
    ("tokenize 100 MB", lambda w: attune.tokenize(BIG), VALUE, LIMIT),
    ("tokenize bytes malformed UTF-8", lambda w: attune.tokenize(b"ok \xc0\xaf"), VALUE, UTF8),
    ("tokenize lone surrogate", lambda w: attune.tokenize(SURROGATE), VALUE, UTF8),
    ("normalize 100 MB", lambda w: attune.normalize(BIG), VALUE, LIMIT),
    # emotion
    ("score 100 MB", lambda w: w.model.score(BIG), VALUE, LIMIT),
    ("score lone surrogate", lambda w: w.model.score(SURROGATE), PYBIND_UTF8, r"incompatible"),
    ("score_batch with 100 MB", lambda w: w.model.score_batch(["fine", BIG]), VALUE, LIMIT),
    ("explain 100 MB", lambda w: w.model.explain(BIG), VALUE, LIMIT),
    ("correct 100 MB", lambda w: w.model.correct(BIG, "anger"), VALUE, LIMIT),
    ("correct unknown label", lambda w: w.model.correct("so angry", "grumpiness"), VALUE, r"grumpiness"),
    ("correct no labels", lambda w: w.model.correct("so angry", []), VALUE, r"(?i)label"),
    ("model from empty bytes", lambda w: attune.EmotionModel.from_bytes(b""), FILE, r"(?i)truncat|short|magic|corrupt"),
    ("model from 100 MB garbage", lambda w: attune.EmotionModel.from_bytes(BIG.encode()), FILE, r"(?i)magic|corrupt|not"),
    ("model load directory", lambda w: attune.EmotionModel.load("/"), FILE, r"(?i)not a regular file"),
    ("model load missing", lambda w: attune.EmotionModel.load("/nonexistent/m.attm"), FILE, r"(?i)cannot read"),
    # behaviour
    ("parse_event duplicate key", lambda w: attune.parse_event(
        '{"type":"track","userId":"a","userId":"b","event":"x","timestamp":"2026-01-01T00:00:00Z"}'), VALUE, DUP),
    ("parse_event 1e999", lambda w: attune.parse_event(
        '{"type":"track","userId":"a","event":"x","properties":{"price":1e999},"timestamp":"2026-01-01T00:00:00Z"}'),
     VALUE, r"(?i)overflow|JSON"),
    ("parse_event deep", lambda w: attune.parse_event(DEEP), VALUE, LIMIT),
    ("parse_event 100 MB", lambda w: attune.parse_event(BIG), VALUE, LIMIT),
    ("parse_event bytes malformed UTF-8", lambda w: attune.parse_event(b'{"type":"track","userId":"\xc3\x28"}'), VALUE, UTF8),
    ("tracker observe deep", lambda w: w.tracker.observe(DEEP_CLOSED), VALUE, LIMIT),
    ("tracker observe NaN price", lambda w: w.tracker.observe(dict(VIEW, properties={"price": float("nan")})),
     VALUE, r"(?i)NaN|JSON|finite|number"),
    ("tracker observe negative price", lambda w: w.tracker.observe(dict(VIEW, properties={"price": -5})), VALUE, RANGE),
    ("tracker observe no user", lambda w: w.tracker.observe({"type": "track", "event": "x",
                                                             "timestamp": "2026-01-01T00:00:00Z"}), VALUE, r"(?i)user"),
    ("tracker observe year 9999", lambda w: w.tracker.observe(dict(VIEW, timestamp="9999-01-01T00:00:00Z")), VALUE, RANGE),
    ("intent predict NaN row", lambda w: attune.IntentModel.default().predict_proba(np.full((1, 17), np.nan)),
     VALUE, r"(?i)finite|NaN"),
    ("baseline NaN value", lambda w: w.baseline.observe("dwell", float("nan"), 2000.0), VALUE, RANGE),
    ("baseline negative value", lambda w: w.baseline.observe("dwell", -1.0, 2000.0), VALUE, RANGE),
    ("baseline time going back", lambda w: w.baseline.observe("dwell", 1.0, 10.0), VALUE, r"(?i)earlier|order"),
    ("baseline unknown signal", lambda w: w.baseline.observe("heartbeat", 1.0, 2000.0), VALUE, r"(?i)signal|heartbeat"),
    ("baseline truncated bytes", lambda w: attune.Baseline.from_bytes(truncated(w.baseline.to_bytes())), FILE,
     r"(?i)truncat|short|corrupt|end"),
    ("baseline wrong version", lambda w: attune.Baseline.from_bytes(wrong_byte(w.baseline.to_bytes(), 4)), FILE,
     r"(?i)version"),
    ("transitions unknown state", lambda w: w.transitions.observe("grumpy", "detachment", 1.0), VALUE, r"grumpy"),
    ("transitions NaN weight", lambda w: w.transitions.observe("frustration", "anxiety", float("nan")), VALUE, RANGE),
    ("transitions wrong version", lambda w: attune.StateTransitions.from_bytes(wrong_byte(w.transitions.to_bytes(), 4)),
     FILE, r"(?i)version"),
    ("next best action duplicate key", lambda w: attune.NextBestAction.from_json(
        '{"format":"attune.next_best_action","format":"x","version":1,"actions":{},"rules":[]}'), VALUE, DUP),
    ("next best action deep", lambda w: attune.NextBestAction.from_json(DEEP_OBJ), VALUE, LIMIT),
    ("next best action 100 MB", lambda w: attune.NextBestAction.from_json(BIG), VALUE, LIMIT),
    # selection
    ("catalog duplicate key", lambda w: attune.Catalog.from_json('{"slots":[],"slots":[]}'), VALUE, DUP),
    ("catalog unknown field", lambda w: attune.Catalog.from_json(
        '{"slots":[{"id":"s","variants":[{"id":"a","safe_default":true,"colour":1}]}]}'), VALUE, r"colour"),
    ("catalog deep", lambda w: attune.Catalog.from_json(DEEP_CLOSED), VALUE, LIMIT),
    ("catalog 100 MB", lambda w: attune.Catalog.from_json(BIG), VALUE, LIMIT),
    ("policy learn NaN reward", lambda w: w.policy.learn([0.1, 0.2, 0.3], 0, float("nan"), 0.5), VALUE, RANGE),
    ("policy learn inf context", lambda w: w.policy.learn([0.1, math.inf, 0.3], 0, 1.0, 0.5), VALUE, RANGE),
    ("policy learn propensity 0", lambda w: w.policy.learn([0.1, 0.2, 0.3], 0, 1.0, 0.0), VALUE, RANGE),
    ("policy learn unknown variant", lambda w: w.policy.learn([0.1, 0.2, 0.3], 99, 1.0, 0.5), VALUE, r"(?i)variant"),
    ("policy choose wrong dimension", lambda w: w.policy.choose([0.1, 0.2]), VALUE, r"(?i)dimension|context"),
    ("policy load truncated", lambda w: attune.Policy.load(truncated(w.policy.save())), FILE, r"(?i)truncat|short|corrupt|end"),
    ("policy load wrong version", lambda w: attune.Policy.load(wrong_byte(w.policy.save(), 8)), FILE, r"(?i)version"),
    ("policy huge context", lambda w: attune.Policy(1 << 40, 3), VALUE, LIMIT),
    ("selector unknown slot", lambda w: w.selector.decide("nope", intents=[0.5], now=100.0), VALUE, r"nope"),
    ("selector NaN state", lambda w: w.selector.decide("cta", states=[math.nan] * 8, intents=[0.5], now=100.0),
     VALUE, RANGE),
    ("selector reward NaN", lambda w: w.selector.reward(1, float("nan"), now=100.0), VALUE, RANGE),
    ("selector reward unknown", lambda w: w.selector.reward(0xDEADBEEF, 1.0, now=100.0), VALUE, r"(?i)unknown|expired"),
    ("selector load wrong version", lambda w: w.selector.load(wrong_byte(w.selector.save(), 8)), FILE, r"(?i)version"),
    ("selector load truncated", lambda w: w.selector.load(truncated(w.selector.save())), FILE,
     r"(?i)truncat|short|corrupt|end"),
    ("parse_decision_id 17 digits", lambda w: attune.parse_decision_id("0" * 17), VALUE, r"(?i)hex|digit"),
    ("ope NaN reward", lambda w: attune.ope.ips([1.0, float("nan")], [0.5, 0.5], [0.5, 0.5]), VALUE, RANGE),
    ("ope propensity 0", lambda w: attune.ope.ips([1.0, 0.0], [0.0, 0.5], [0.5, 0.5]), VALUE, RANGE),
    # ethics and audit
    ("consent 100 MB customer", lambda w: w.registry.grant(BIG, "personalization", T0), VALUE, LIMIT),
    ("consent unknown purpose", lambda w: w.registry.grant("c2", "marketing", T0), VALUE, r"marketing"),
    ("consent negative time", lambda w: w.registry.grant("c2", "personalization", -5), VALUE, RANGE),
    ("consent expiry before grant", lambda w: w.registry.grant("c2", "personalization", T0, T0 - 1), VALUE, RANGE),
    ("consent empty customer", lambda w: w.registry.grant("", "personalization", T0), VALUE, r"(?i)empty|customer"),
    ("consent surrogate customer", lambda w: w.registry.grant(SURROGATE, "personalization", T0), PYBIND_UTF8, r"incompatible"),
    ("consent truncated blob", lambda w: w.registry.deserialize(truncated(w.registry.serialize())), FILE,
     r"(?i)corrupt|truncat|short"),
    ("consent wrong version", lambda w: w.registry.deserialize(wrong_byte(w.registry.serialize(), 4)), FILE,
     r"(?i)version"),
    ("guardrails duplicate key", lambda w: attune.Guardrails.from_json('{"version":1,"version":1,"rules":[]}'), VALUE, DUP),
    ("guardrails unknown field", lambda w: attune.Guardrails.from_json('{"version":1,"rules":[],"zz":true}'), VALUE, r"zz"),
    ("guardrails 100 MB", lambda w: attune.Guardrails.from_json(BIG), VALUE, LIMIT),
    ("guardrails deep", lambda w: attune.Guardrails.from_json(DEEP), VALUE, LIMIT),
    # Found by the C table: printing the bad value recursed per level and overflowed the stack.
    ("guardrails deep version", lambda w: attune.Guardrails.from_json(
        '{"version":' + '{"x":' * 170_000 + "1" + "}" * 170_001), VALUE, LIMIT),
    ("guardrails request 1e999", lambda w: w.guardrails.evaluate_json(
        '{"now_ms":1,"states":{"anxiety":1e999},"candidates":[]}'), VALUE, r"(?i)JSON|overflow"),
    ("audit pseudonymize short salt", lambda w: attune.audit.pseudonymize(b"short", "c1"), VALUE, r"(?i)salt"),
    ("audit pseudonymize 100 MB id", lambda w: attune.audit.pseudonymize(b"0123456789abcdef0123", BIG), VALUE, LIMIT),
    # engine
    ("engine config duplicate key", lambda w: attune.Engine('{"seed":1,"seed":2}'), VALUE, DUP),
    ("engine config unknown field", lambda w: attune.Engine({"sead": 1}), VALUE, r"sead"),
    ("engine config deep", lambda w: attune.Engine(DEEP_OBJ), VALUE, LIMIT),
    ("engine config 100 MB", lambda w: attune.Engine(BIG), VALUE, LIMIT),
    ("engine config max_profiles 0", lambda w: attune.Engine({"limits": {"max_profiles": 0}}), VALUE, r"max_profiles"),
    ("engine observe_text 100 MB", lambda w: w.engine.observe_text("c1", "chat", BIG, T0 + 5), VALUE, LIMIT),
    ("engine observe_text surrogate", lambda w: w.engine.observe_text("c1", "chat", SURROGATE, T0 + 5), PYBIND_UTF8, r"incompatible"),
    ("engine observe_text 100 MB customer", lambda w: w.engine.observe_text(BIG, "chat", "hi", T0 + 5), VALUE, LIMIT),
    ("engine observe_text bad channel", lambda w: w.engine.observe_text("c1", "fax", "hi", T0 + 5), VALUE, r"fax"),
    ("engine observe_text negative time", lambda w: w.engine.observe_text("c1", "chat", "hi", -1), VALUE, RANGE),
    ("engine observe_event duplicate key", lambda w: w.engine.observe_event(
        '{"type":"track","userId":"c1","userId":"c2","event":"x","timestamp":"2026-01-01T00:00:00Z"}'), VALUE, DUP),
    ("engine observe_event deep", lambda w: w.engine.observe_event(DEEP), VALUE, LIMIT),
    ("engine observe_event 100 MB", lambda w: w.engine.observe_event(BIG), VALUE, LIMIT),
    ("engine observe_signal NaN", lambda w: w.engine.observe_signal("c1", "web", "typing", float("nan"), T0 + 5),
     VALUE, r"(?i)NaN|finite|range|typing|signal"),
    ("engine decide unknown slot", lambda w: w.engine.decide("c1", "nope", T0 + 5), VALUE, r"nope"),
    ("engine decide NaN feature", lambda w: w.engine.decide("c1", "product_cta", T0 + 5, {"is_mobile": math.nan}),
     VALUE, RANGE),
    ("engine decide new customer NaN", lambda w: w.engine.decide("c2", "product_cta", T0 + 5, {"is_mobile": math.inf}),
     VALUE, RANGE),
    ("engine reward NaN", lambda w: w.engine.reward(w.decision, float("nan"), T0 + 6), VALUE, RANGE),
    ("engine reward 1e300", lambda w: w.engine.reward(w.decision, 1e300, T0 + 6), VALUE, RANGE),
    ("engine reward unknown", lambda w: w.engine.reward("0123456789abcdef", 1.0, T0 + 6), VALUE, r"(?i)unknown|expired"),
    ("engine correct unknown label", lambda w: w.engine.correct("c1", "1", ["grumpiness"], T0 + 6), VALUE, r"grumpiness"),
    ("engine consent marketing", lambda w: w.engine.consent("c2", "marketing", True, T0), VALUE, r"marketing"),
    ("engine consent 300-byte id", lambda w: w.engine.consent("x" * 300, "profiling", True, T0), VALUE, LIMIT),
    ("engine consent expiry in the past", lambda w: w.engine.consent("c2", "profiling", True, T0, T0 - 5), VALUE, RANGE),
    ("engine forget negative time", lambda w: w.engine.forget("c1", -1), VALUE, RANGE),
    ("engine import truncated", lambda w: w.engine.import_profile(truncated(w.engine.export_profile("c1")), T0 + 8),
     FILE, r"(?i)truncat|short|corrupt|end"),
    ("engine import wrong version", lambda w: w.engine.import_profile(wrong_byte(w.engine.export_profile("c1"), 4), T0 + 8),
     FILE, r"(?i)version"),
    ("engine import 100 MB", lambda w: w.engine.import_profile(BIG.encode(), T0 + 8), FILE, r"(?i)magic|corrupt|profile"),
]


def test_table_size(capsys):
    with capsys.disabled():
        print(f"\nPython hostile-input table: {len(CASES)} rows")
    assert len({name for name, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize("name,call,exc,pattern", CASES, ids=[c[0] for c in CASES])
def test_hostile(w, name, call, exc, pattern):
    before = w.fingerprint()
    with pytest.raises(exc, match=pattern) as info:
        call(w)
    assert str(info.value).strip(), f"{name}: empty message"
    assert w.fingerprint() == before, f"{name}: failed but changed state"


def test_state_still_works_after_the_table(w):
    # The rows above ran against these objects: what they refused left them usable.
    w.engine.reward(w.decision, 1.0, T0 + 9)
    with pytest.raises(ValueError):
        w.engine.reward(w.decision, 1.0, T0 + 9)
    assert w.tracker.features("u1") is not None
