"""Variant selection: catalogs, contextual-bandit policies with propensities, delayed rewards.

``Policy`` works on plain numeric contexts (numpy arrays or pandas rows); ``Selector`` works on a
catalog (JSON) and customers described by marketing states, intent scores and named features.
Reference: docs/selection.md. Neither object is safe for concurrent use from several threads.
"""

import time

import numpy as np

from . import _attune

# Order of attune/states.hpp.
_STATES = ["frustration", "anxiety", "hesitation", "confusion", "curiosity", "excitement",
           "satisfaction", "detachment"]

Catalog = _attune.Catalog
Decision = _attune.Decision
parse_decision_id = _attune.parse_decision_id


def _as_matrix(x):
    if hasattr(x, "to_numpy"):  # pandas DataFrame
        x = x.to_numpy(dtype=np.float64)
    return np.ascontiguousarray(x, dtype=np.float64)


class Policy:
    """A contextual-bandit policy over contexts of ``context_dim`` numbers and ``n_variants`` arms.

    ``kind``: "linear_thompson" (default), "lin_ucb", "epsilon_greedy" or "uniform".
    ``variant_features``: optional (n_variants, n_attributes) array for ``model="shared"``.
    Other keyword arguments are the policy options of docs/selection.md (exploration,
    regularization, forgetting, epsilon_decay, epsilon_min, refactor_every, importance_weighting,
    max_importance_weight). Deterministic for a given ``seed``.
    """

    def __init__(self, context_dim, n_variants, kind="linear_thompson", variant_features=None,
                 model="per_variant", seed=0, **options):
        if variant_features is not None:
            variant_features = _as_matrix(variant_features)
        self._p = _attune.Policy(kind, int(context_dim), int(n_variants), variant_features, model,
                                 int(seed), **options)

    @classmethod
    def _wrap(cls, raw):
        obj = cls.__new__(cls)
        obj._p = raw
        return obj

    kind = property(lambda self: self._p.kind)
    context_dim = property(lambda self: self._p.context_dim)
    n_variants = property(lambda self: self._p.n_variants)
    updates_ = property(lambda self: self._p.updates, doc="number of learn() calls reflected")

    def choose(self, context, allowed=None):
        """(variant index, propensity) for one context; ``allowed`` restricts the variants."""
        return self._p.choose(np.ascontiguousarray(context, dtype=np.float64), allowed)

    def choose_batch(self, contexts, allowed=None):
        """Choose for each row (no learning in between): arrays of variants and propensities."""
        X = _as_matrix(contexts)
        out = [self._p.choose(row, allowed) for row in X]
        return (np.array([v for v, _ in out], dtype=np.int64),
                np.array([p for _, p in out], dtype=np.float64))

    def probabilities(self, context, allowed=None):
        return self._p.probabilities(np.ascontiguousarray(context, dtype=np.float64), allowed)

    def expected_rewards(self, context, allowed=None):
        return self._p.expected_rewards(np.ascontiguousarray(context, dtype=np.float64), allowed)

    def learn(self, context, variant, reward, propensity):
        self._p.learn(np.ascontiguousarray(context, dtype=np.float64), int(variant), float(reward),
                      float(propensity))
        return self

    def partial_fit(self, contexts, variants, rewards, propensities):
        """Learn from logged rows (all validated first; the GIL is released while learning)."""
        self._p.learn_batch(_as_matrix(contexts), np.asarray(variants, dtype=np.uint32),
                            np.asarray(rewards, dtype=np.float64),
                            np.asarray(propensities, dtype=np.float64))
        return self

    def save(self):
        return self._p.save()

    @classmethod
    def load(cls, data, seed=0):
        return cls._wrap(_attune.Policy.load(bytes(data), int(seed)))

    def merge(self, other, base=None):
        """self += other - base (replicas' statistics; base = their common ancestor or None)."""
        self._p.merge(other._p, None if base is None else base._p)
        return self


class Selector:
    """Catalog + one policy per slot + pending decisions with delayed rewards.

    ``catalog``: a ``Catalog``, a JSON string or a path to a JSON file.
    """

    def __init__(self, catalog, policy="linear_thompson", seed=0, **options):
        if isinstance(catalog, str):
            catalog = Catalog.from_json(catalog) if catalog.lstrip().startswith("{") else Catalog.load(catalog)
        self.catalog = catalog
        self._s = _attune.Selector(catalog, policy=policy, seed=int(seed), **options)

    @property
    def pending(self):
        return self._s.pending

    def decide(self, slot, states=None, intents=None, features=None, allowed=None, now=None):
        """Choose a variant for ``slot``.

        states: dict name -> score or a sequence of 8 scores (missing states are 0);
        intents / features: dicts by name or sequences in the catalog's order;
        allowed: variant ids or indices (None = all). now: seconds (default: time.time()).
        """
        st = [0.0] * 8
        if isinstance(states, dict):
            for k, v in states.items():
                if k not in _STATES:
                    raise ValueError("unknown marketing state %r" % (k,))
                st[_STATES.index(k)] = float(v)
        elif states is not None:
            st = [float(v) for v in states]
        iv = self._named(intents, self.catalog.intents, "intent")
        fv = self._named(features, self.catalog.features, "feature")
        idx = None
        if allowed is not None:
            ids = self.catalog.variant_ids(slot)
            idx = [ids.index(a) if isinstance(a, str) and a in ids else a for a in allowed]
            for a in idx:
                if isinstance(a, str):
                    raise ValueError("unknown variant id %r in slot %r" % (a, slot))
        return self._s.decide(slot, st, iv, fv, idx, time.time() if now is None else float(now))

    @staticmethod
    def _named(values, names, what):
        if values is None:
            values = {}
        if isinstance(values, dict):
            unknown = set(values) - set(names)
            if unknown:
                raise ValueError("unknown %s(s): %s" % (what, ", ".join(sorted(unknown))))
            return [float(values.get(n, 0.0)) for n in names]
        return [float(v) for v in values]

    def reward(self, decision_id, value, now=None):
        """Apply a delayed reward once (decision id as int, hex string or Decision)."""
        if isinstance(decision_id, Decision):
            decision_id = decision_id.id
        if isinstance(decision_id, str):
            decision_id = parse_decision_id(decision_id)
        self._s.reward(int(decision_id), float(value), time.time() if now is None else float(now))
        return self

    def expire(self, now=None):
        return self._s.expire(time.time() if now is None else float(now))

    def save(self):
        return self._s.save()

    def load(self, data):
        self._s.load(bytes(data))
        return self

    def merge(self, other, base=None):
        self._s.merge(other._s, None if base is None else base._s)
        return self
