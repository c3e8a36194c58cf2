"""Behaviour and purchase intent: events -> live session features -> purchase probability.

- :func:`parse_event` validates one Segment-spec event (JSON text or dict).
- :class:`SessionTracker` folds events into per-customer session features (the UCI Online
  Shoppers feature set, plus counters).
- :func:`sessions_from_events` turns a pandas DataFrame of events into one row per session.
- :class:`IntentModel` scores sessions (numpy arrays or DataFrames with UCI column names) and
  explains each probability as per-feature log-odds contributions.

Arguments that are wrong raise ``ValueError``; file problems raise ``attune.AttuneError``.
"""

import json as _json

import numpy as _np

from . import _attune

UCI_FEATURES = list(_attune.UCI_FEATURES)
Event = _attune.Event

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "aug": 8,
           "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_VISITORS = {"new_visitor": 0.0, "new": 0.0, "returning_visitor": 1.0, "returning": 1.0, "other": 2.0}
_VISITOR_NAMES = ["New_Visitor", "Returning_Visitor", "Other"]


def _event_json(event):
    if isinstance(event, (bytes, bytearray)):
        return bytes(event).decode("utf-8")
    if isinstance(event, str):
        return event
    if isinstance(event, dict):
        return _json.dumps(event, allow_nan=False, default=str)
    raise ValueError("an event is a JSON string or a dict")


def parse_event(event):
    """Validate one event (JSON text or dict) and return an :class:`attune.Event`."""
    return _attune.parse_event(_event_json(event))


class SessionTracker:
    """Live session features per customer (see docs/behavior-events.md for every rule).

    Not thread-safe: use one tracker per thread.
    """

    def __init__(self, timeout_minutes=30.0, page_merge_seconds=2.0, default_bounce_rate=0.022,
                 default_exit_rate=0.043, default_page_value=0.0, max_customers=1_000_000):
        self._t = _attune._SessionTracker(timeout_minutes, page_merge_seconds, default_bounce_rate,
                                          default_exit_rate, default_page_value, max_customers)

    def observe(self, event):
        """Fold one event (JSON text, dict or Event) in. Returns what happened: "continued",
        "new_session", "late", "ignored_late" or "duplicate"."""
        if isinstance(event, Event):
            return self._t.observe_event(event)
        return self._t.observe_json(_event_json(event))

    def features(self, customer, now_ms=-1):
        """Current session features of a customer as a dict (UCI names first), or None."""
        return self._t.features(customer, now_ms)

    def erase(self, customer):
        """Forget a customer; returns whether they were known."""
        return self._t.erase(customer)

    def expire(self, now_ms):
        return self._t.expire(now_ms)

    def __len__(self):
        return len(self._t)


def _to_uci_matrix(X):
    """(n, 17) float64 array in UCI order and encoding from an array or a DataFrame."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        pd = None
    if pd is not None and isinstance(X, pd.DataFrame):
        missing = [c for c in UCI_FEATURES if c not in X.columns]
        if missing:
            raise ValueError("DataFrame lacks UCI columns: " + ", ".join(missing))
        cols = []
        for name in UCI_FEATURES:
            col = X[name]
            if name == "Month" and col.dtype == object:
                vals = [_MONTHS.get(str(v).strip().lower()) for v in col]
                if any(v is None for v in vals):
                    raise ValueError("Month: unknown month name")
                col = _np.asarray(vals, dtype=float)
            elif name == "VisitorType" and col.dtype == object:
                vals = [_VISITORS.get(str(v).strip().lower()) for v in col]
                if any(v is None for v in vals):
                    raise ValueError("VisitorType: expected New_Visitor, Returning_Visitor or Other")
                col = _np.asarray(vals, dtype=float)
            elif name == "Weekend" and col.dtype == object:
                vals = [{"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0}.get(str(v).strip().lower()) for v in col]
                if any(v is None for v in vals):
                    raise ValueError("Weekend: expected TRUE/FALSE")
                col = _np.asarray(vals, dtype=float)
            cols.append(_np.asarray(col, dtype=float))
        return _np.ascontiguousarray(_np.column_stack(cols)) if cols else _np.zeros((0, 17))
    arr = _np.asarray(X, dtype=float)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != len(UCI_FEATURES):
        raise ValueError("expected an (n, 17) array in UCI column order")
    return _np.ascontiguousarray(arr)


class IntentModel:
    """Purchase-intent model (gradient-boosted trees on the UCI Online Shoppers features).

    ``IntentModel.default()`` loads the shipped model; ``fit(X, y)`` trains a new one in-library.
    ``X`` is an (n, 17) array in UCI order and encoding (Month 1..12, VisitorType New=0 /
    Returning=1 / Other=2, Weekend 0/1) or a DataFrame with the UCI column names, where Month,
    VisitorType and Weekend may be the data set's strings. Immutable once fitted; thread-safe.
    """

    def __init__(self, trees=120, max_depth=4, learning_rate=0.08, l2=1.0, min_child_samples=30,
                 subsample=0.8, seed=20261128, exclude=()):
        self.trees = trees
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.l2 = l2
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.seed = seed
        self.exclude = tuple(exclude)
        self.model_ = None

    @classmethod
    def _wrap(cls, compiled):
        m = cls()
        m.model_ = compiled
        m.features_ = list(compiled.features)
        return m

    @classmethod
    def default(cls, without_page_values=False):
        """The shipped model (``without_page_values=True``: the variant without PageValues)."""
        return cls._wrap(_attune._IntentModel.load_default_without_page_values() if without_page_values
                         else _attune._IntentModel.load_default())

    @classmethod
    def load(cls, path):
        return cls._wrap(_attune._IntentModel.load(str(path)))

    @classmethod
    def from_bytes(cls, data):
        return cls._wrap(_attune._IntentModel.from_bytes(bytes(data)))

    def save(self, path):
        self._fitted().save(str(path))

    def to_bytes(self):
        return self._fitted().to_bytes()

    def fit(self, X, y):
        """Train on labelled sessions; returns self."""
        y = _np.asarray(y)
        if y.dtype == object or y.dtype == bool:
            y = _np.asarray([1 if str(v).strip().lower() in ("true", "1") else 0 for v in y])
        compiled = _attune._IntentModel.train(_to_uci_matrix(X), y.astype(_np.int64), self.trees, self.max_depth,
                                              self.learning_rate, self.l2, self.min_child_samples, self.subsample,
                                              self.seed, list(self.exclude))
        self.model_ = compiled
        self.features_ = list(compiled.features)
        return self

    def _fitted(self):
        if self.model_ is None:
            raise ValueError("IntentModel is not fitted: call fit(), default() or load()")
        return self.model_

    def predict_proba(self, X):
        """(n, 2) array: probability of no purchase, of purchase (scikit-learn layout)."""
        p = self._fitted().predict_rows(_to_uci_matrix(X))
        return _np.column_stack([1.0 - p, p])

    def predict(self, X, threshold=0.5):
        return (self.predict_proba(X)[:, 1] >= threshold).astype(int)

    def contributions(self, X):
        """Per-feature log-odds contributions and the bias: ``(contributions (n, 17), bias (n,))``.
        For a DataFrame input the contributions come back as a DataFrame with UCI column names.
        bias + contributions.sum(axis=1) equals the logit of predict_proba(X)[:, 1]."""
        contrib, bias = self._fitted().explain_rows(_to_uci_matrix(X))
        try:
            import pandas as pd
            if isinstance(X, pd.DataFrame):
                return pd.DataFrame(contrib, columns=UCI_FEATURES, index=X.index), bias
        except ImportError:  # pragma: no cover
            pass
        return contrib, bias

    def explain(self, row):
        """Explanation of one session as a dict (probability, logit, bias, contributions): ``row``
        is 17 values in UCI order/encoding, or a dict with the UCI names (a SessionTracker
        feature dict, or a data-set row with Month/VisitorType/Weekend strings)."""
        if isinstance(row, dict):
            import pandas as pd
            vec = _to_uci_matrix(pd.DataFrame([{c: row[c] for c in UCI_FEATURES}]))[0]
        else:
            vec = _to_uci_matrix(_np.asarray([row], dtype=float))[0]
        return _json.loads(self._fitted().explain_json([float(v) for v in vec]))

    def predict_session(self, features):
        """Probability for one session feature dict (as SessionTracker.features returns)."""
        return float(self._fitted().predict_rows(_to_uci_matrix([[features[c] for c in UCI_FEATURES]]))[0])

    @property
    def metadata_(self):
        return _json.loads(self._fitted().metadata_json)


def _iso(ts):
    """A timestamp value from a DataFrame cell: ISO text, integer ms, or a pandas/datetime value."""
    if isinstance(ts, str):
        return ts
    if isinstance(ts, (int, _np.integer)):
        return int(ts)
    if hasattr(ts, "isoformat"):
        if getattr(ts, "tzinfo", None) is None:
            return ts.isoformat() + "Z"
        return ts.isoformat()
    raise ValueError("timestamp must be ISO-8601 text, integer milliseconds or a datetime")


_TOP_LEVEL = {"type", "userId", "anonymousId", "user_id", "event", "name", "category", "timestamp"}


def sessions_from_events(events, timeout_minutes=30.0, uci_strings=True, **tracker_options):
    """Session features of a DataFrame (or list of dicts) of events: one row per session.

    Columns: ``user_id`` (or ``userId``/``anonymousId``), ``timestamp`` (ISO text, integer ms or
    datetime; naive datetimes are UTC), ``type`` (default "track", or "page" when ``category``
    is set and ``event`` is missing), ``event`` (track name), ``name``/``category`` (page); every
    other non-null column becomes a property (``page_category``, ``product_id``, ``price``,
    ``bounce_rate``, ``exit_rate``, ``page_value``, ``os_code``...). Events are processed in
    timestamp order per customer. Returns a DataFrame with ``customer``, ``session_index``, the 17
    UCI columns (Month, VisitorType, Weekend as the data set writes them when ``uci_strings``) and
    the tracker's counters.
    """
    import pandas as pd
    df = events if isinstance(events, pd.DataFrame) else pd.DataFrame(list(events))
    user_col = next((c for c in ("user_id", "userId", "anonymousId") if c in df.columns), None)
    if user_col is None or "timestamp" not in df.columns:
        raise ValueError("events need a user_id (or userId/anonymousId) and a timestamp column")
    tracker = SessionTracker(timeout_minutes=timeout_minutes, **tracker_options)
    ts = df["timestamp"]
    order = df.assign(_ts=pd.to_datetime(ts, utc=True) if ts.dtype == object else ts)
    order = order.sort_values([user_col, "_ts"], kind="stable")
    rows, last = [], {}
    for rec in order.drop(columns=["_ts"]).to_dict("records"):
        user = str(rec[user_col])
        ev = {"userId": user, "timestamp": _iso(rec["timestamp"])}
        props = {}
        for k, v in rec.items():
            if k in (user_col, "timestamp") or v is None or (isinstance(v, float) and _np.isnan(v)):
                continue
            if k in _TOP_LEVEL:
                ev[k] = v
            else:
                props[k] = v.item() if isinstance(v, _np.generic) else v
        if "type" not in ev:
            ev["type"] = "page" if "event" not in ev and ("category" in ev or "page_category" in props) else "track"
        if props:
            ev["properties"] = props
        result = tracker.observe(ev)
        if result == "new_session" and user in last:
            rows.append(last[user])
        if result in ("continued", "new_session", "late"):
            f = tracker.features(user)
            f["customer"] = user
            last[user] = f
    rows.extend(last.values())
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    if uci_strings:
        out["Month"] = [_MONTH_NAMES[int(m) - 1] for m in out["Month"]]
        out["VisitorType"] = [_VISITOR_NAMES[int(v)] for v in out["VisitorType"]]
        out["Weekend"] = out["Weekend"].astype(bool)
    for c in ("OperatingSystems", "Browser", "Region", "TrafficType", "Administrative", "Informational",
              "ProductRelated"):
        out[c] = out[c].astype(int)
    first = ["customer", "session_index"] + UCI_FEATURES
    return out[first + [c for c in out.columns if c not in first]].reset_index(drop=True)
