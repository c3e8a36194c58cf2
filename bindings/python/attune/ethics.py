"""Ethics: consent per customer and purpose, and guardrail rules applied before the bandit.

``ConsentRegistry`` records grants and revocations for the purposes ``"emotion_inference"``,
``"personalization"`` and ``"profiling"``. Times are milliseconds since the Unix epoch (``int``),
or ``datetime`` objects (naive ones are taken as UTC). A grant allows on
``[granted_at, expires_at)``; a revocation wins immediately; unknown customers have no consent.

``Guardrails`` loads rules (JSON, schema in docs/ethics-rules.md; ``Guardrails.load_default()``
gives the shipped rules) and ``evaluate`` returns which candidate variants the bandit may choose
from, which rules fired and why, whether emotional states may be used, and whether the slot must
fall back to its safe default.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import math as _math
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _attune

PURPOSES: Tuple[str, ...] = tuple(_attune.CONSENT_PURPOSES)
STATE_NAMES: Tuple[str, ...] = ("frustration", "anxiety", "hesitation", "confusion", "curiosity",
                                "excitement", "satisfaction", "detachment")

TimeLike = Union[int, float, _dt.datetime]


def to_ms(value: TimeLike, what: str = "time") -> int:
    """Milliseconds since the Unix epoch from an int, a finite float or a datetime.

    Raises ``ValueError`` for NaN, infinities, negative times, booleans and other types."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be milliseconds since the epoch or a datetime, not bool")
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        ms = int(round(value.timestamp() * 1000))
    elif isinstance(value, (int, np.integer)):
        ms = int(value)
    elif isinstance(value, (float, np.floating)):
        if not _math.isfinite(value):
            raise ValueError(f"{what} must be a finite number of milliseconds, got {value}")
        ms = int(_math.floor(value))
    else:
        raise ValueError(f"{what} must be milliseconds since the epoch or a datetime, not {type(value).__name__}")
    if ms < 0 or ms > _attune.MAX_TIME_MS:
        raise ValueError(f"{what} must be in [0, {_attune.MAX_TIME_MS}] ms since the epoch, got {ms}")
    return ms


def _purpose(purpose: str) -> str:
    if not isinstance(purpose, str):
        raise ValueError(f"purpose must be one of {PURPOSES}, not {type(purpose).__name__}")
    return purpose


class ConsentRegistry:
    """Consent per customer and purpose (thread-safe; see attune/ethics/consent_registry.hpp).

    ``allow_when_absent`` lists purposes that count as consented for customers with nothing
    recorded (default: none)."""

    def __init__(self, allow_when_absent: Iterable[str] = ()):
        self._impl = _attune.ConsentRegistry([_purpose(p) for p in allow_when_absent])

    def grant(self, customer: str, purpose: str, granted_at: TimeLike,
              expires_at: Optional[TimeLike] = None, source: str = "") -> "ConsentRegistry":
        """Record a grant; ``expires_at`` (optional) must be after ``granted_at``. Returns self."""
        self._impl.grant(customer, _purpose(purpose), to_ms(granted_at, "granted_at"),
                         None if expires_at is None else to_ms(expires_at, "expires_at"), source)
        return self

    def revoke(self, customer: str, purpose: str, revoked_at: TimeLike, source: str = "") -> bool:
        """Record a revocation (effective immediately). True when a grant was in force."""
        return self._impl.revoke(customer, _purpose(purpose), to_ms(revoked_at, "revoked_at"), source)

    def forget(self, customer: str) -> bool:
        """Erase every record of the customer. True when there was one."""
        return self._impl.forget(customer)

    def allows(self, customer: str, purpose: str, now: TimeLike) -> bool:
        return self._impl.allows(customer, _purpose(purpose), to_ms(now, "now"))

    def status(self, customer: str, purpose: str, now: TimeLike) -> str:
        """"none", "active", "pending", "expired" or "revoked"."""
        return self._impl.status(customer, _purpose(purpose), to_ms(now, "now"))

    def record(self, customer: str) -> Dict[str, Dict[str, Any]]:
        """{purpose: {"granted", "granted_at_ms", "expires_at_ms", "revoked_at_ms", "source"}} for
        the purposes with a record."""
        return self._impl.record(customer)

    def customers(self) -> List[str]:
        return self._impl.customers()

    def __len__(self) -> int:
        return len(self._impl)

    def serialize(self) -> bytes:
        return self._impl.serialize()

    def deserialize(self, data: bytes) -> "ConsentRegistry":
        """Replace the whole registry (``AttuneError`` with status "format_error" on corrupt data)."""
        self._impl.deserialize(bytes(data))
        return self

    def serialize_customer(self, customer: str) -> bytes:
        return self._impl.serialize_customer(customer)

    def deserialize_customer(self, data: bytes) -> str:
        return self._impl.deserialize_customer(bytes(data))


@dataclass
class FiredRule:
    id: str
    kind: str
    reason: str
    trigger: str
    observed: float
    observed_at_ms: int
    unknown_input: bool
    disables_emotion: bool
    masked: List[str] = field(default_factory=list)  # ids of the candidates this rule removed


@dataclass
class GuardrailResult:
    ids: List[str]
    allowed: np.ndarray  # bool, one per candidate, in input order
    fired: List[FiredRule]
    use_emotion: bool
    fallback_to_default: bool

    @property
    def allowed_ids(self) -> List[str]:
        return [i for i, ok in zip(self.ids, self.allowed) if ok]

    @property
    def masked_ids(self) -> List[str]:
        return [i for i, ok in zip(self.ids, self.allowed) if not ok]


def _candidates(candidates: Any) -> List[Tuple[str, List[str]]]:
    try:
        import pandas as pd  # optional
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(candidates, pd.DataFrame):
        if "id" not in candidates.columns or "tags" not in candidates.columns:
            raise ValueError("a candidates DataFrame needs columns 'id' and 'tags'")
        candidates = list(zip(candidates["id"], candidates["tags"]))
    out = []
    for c in candidates:
        if isinstance(c, Mapping):
            cid, tags = c.get("id"), c.get("tags", [])
        else:
            cid, tags = c
        if not isinstance(cid, str):
            raise ValueError(f"candidate id must be a str, got {type(cid).__name__}")
        if isinstance(tags, str):
            raise ValueError(f"tags of candidate '{cid}' must be a list of str, not a str")
        out.append((cid, [str(t) for t in tags]))
    return out


def _states(states: Any) -> Optional[List[float]]:
    if states is None:
        return None
    if isinstance(states, Mapping):
        vec = [0.0] * len(STATE_NAMES)
        for name, value in states.items():
            if name not in STATE_NAMES:
                raise ValueError(f"unknown marketing state '{name}' (known: {', '.join(STATE_NAMES)})")
            vec[STATE_NAMES.index(name)] = float(value)
        return vec
    arr = np.asarray(states, dtype=np.float64).ravel()
    if arr.shape[0] != len(STATE_NAMES):
        raise ValueError(f"states must have {len(STATE_NAMES)} scores, got {arr.shape[0]}")
    return [float(x) for x in arr]


class Guardrails:
    """Guardrail rules (immutable; one object may be used from many threads)."""

    def __init__(self, impl: Optional[Any] = None):
        self._impl = impl if impl is not None else _attune.Guardrails()

    @classmethod
    def from_json(cls, text: Union[str, Mapping[str, Any]]) -> "Guardrails":
        """Rules from JSON text or an already-parsed dict. ``ValueError`` names the JSON path."""
        if not isinstance(text, str):
            text = _json.dumps(text)
        return cls(_attune.Guardrails.from_json(text))

    @classmethod
    def load(cls, path: str) -> "Guardrails":
        return cls(_attune.Guardrails.load(str(path)))

    @classmethod
    def load_default(cls) -> "Guardrails":
        """The shipped rules (models/guardrails.json)."""
        return cls(_attune.Guardrails.load_default())

    def __len__(self) -> int:
        return len(self._impl)

    @property
    def rules(self) -> List[Dict[str, Any]]:
        """The rules as dicts (canonical form, generated reasons filled in)."""
        return _json.loads(self._impl.to_json())["rules"]

    def to_json(self) -> str:
        return self._impl.to_json()

    @property
    def history_window_ms(self) -> int:
        return self._impl.history_window_ms

    def evaluate(self, candidates: Any, *, now: TimeLike, slot: str = "", slot_tags: Sequence[str] = (),
                 states: Any = None, signals: Optional[Mapping[str, float]] = None,
                 state_peaks: Iterable[Tuple[str, float, TimeLike]] = (),
                 recent_decisions: Iterable[TimeLike] = ()) -> GuardrailResult:
        """Which candidates the bandit may choose from.

        ``candidates``: [{"id", "tags"}], [(id, tags)] or a DataFrame with columns id, tags.
        ``states``: dict {state: score}, or 8 scores in STATE_NAMES order, or None (unknown).
        ``signals``: emotion scores by name ({"sadness": 0.7}). ``state_peaks``: (state, score,
        time) of recent high states. ``recent_decisions``: this customer's recent decision times
        in this slot."""
        cands = _candidates(candidates)
        raw = self._impl.evaluate(
            cands, to_ms(now, "now"), slot, [str(t) for t in slot_tags], _states(states),
            [(str(k), float(v)) for k, v in (signals or {}).items()],
            [(str(s), float(v), to_ms(t, "state peak time")) for s, v, t in state_peaks],
            [to_ms(t, "recent decision time") for t in recent_decisions])
        ids = raw["ids"]
        fired = [FiredRule(id=f["id"], kind=f["kind"], reason=f["reason"], trigger=f["trigger"],
                           observed=f["observed"], observed_at_ms=f["observed_at_ms"],
                           unknown_input=f["unknown_input"], disables_emotion=f["disables_emotion"],
                           masked=[ids[i] for i in f["masked"]]) for f in raw["fired"]]
        return GuardrailResult(ids=ids, allowed=np.frombuffer(raw["allowed"], dtype=np.uint8).astype(bool),
                               fired=fired, use_emotion=raw["use_emotion"],
                               fallback_to_default=raw["fallback_to_default"])

    def evaluate_json(self, request: Union[str, Mapping[str, Any]]) -> Dict[str, Any]:
        """Evaluate a JSON request (format of `attune guardrails eval`); returns the result dict."""
        if not isinstance(request, str):
            request = _json.dumps(request)
        return _json.loads(self._impl.evaluate_json(request))
