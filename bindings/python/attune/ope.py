"""Off-policy evaluation: how would a target policy have done, judged from another policy's logs.

Each function takes the logs as numpy arrays (or any array-like), or as a pandas DataFrame
(``data=``) whose columns are named by the string arguments::

    import attune.ope as ope
    r = ope.ips(reward, propensity, target)              # arrays
    r = ope.snips(data=df, target="pi_new", clip="auto")  # DataFrame columns
    r = ope.dr(reward, propensity, target=pi_matrix, action=actions, q=q_matrix)
    r.estimate, r.lower, r.upper, r.ess, r.max_weight, r.to_dict()

Per row i: ``reward`` r_i, ``propensity`` p_i (the logging policy's probability of the logged
action, in (0, 1]) and ``target`` (either the target policy's probability of the logged action,
one number per row, or an n x n_actions matrix of target probabilities with ``action`` giving the
logged action index per row; each matrix row must sum to 1). Weight w_i = target_i / p_i.

- ``ips``: mean(w r); unbiased; normal interval from the sample sd of w r.
- ``snips``: sum(w r) / sum(w); self-normalized (bounded by the reward range, small bias);
  delta-method interval. Invariant to scaling the weights.
- ``dr``: mean(q_target + w (r - q_logged)) with a reward model qhat fit on *other* rows
  (a separate fold or cross-fitting): ``q_logged`` = qhat(x_i, a_i) and ``q_target`` =
  sum_a pi(a|x_i) qhat(x_i, a), or ``q`` = the n x n_actions matrix of qhat with ``action``.

Options: ``clip`` (None: no clipping; a number caps the weights; ``"auto"``: Ionides' level
sqrt(n) * mean(w)), ``confidence`` (0.95), ``interval`` (``"analytic"`` or ``"bootstrap"``),
``bootstrap_resamples`` and ``seed``. Every result carries weight diagnostics: ``ess`` (effective
sample size), ``max_weight``, ``max_raw_weight``, ``top_weight_share`` (share of the weight mass
in the top 1 % of rows) and ``rows_clipped``.

Bad input (propensity outside (0, 1], NaN rewards, lengths that differ, matrix rows not summing
to 1) raises ``ValueError`` naming the row. The computation runs without the GIL.
"""

import math

import numpy as np

from . import _attune

OpeEstimate = _attune.OpeEstimate

__all__ = ["ips", "snips", "dr", "evaluate", "suggested_clip", "OpeEstimate"]


def _column(data, value, default_name, required=True):
    """An array from `value`: an array-like, or a column name of `data`."""
    if value is None and data is not None and default_name is not None and default_name in data:
        value = default_name
    if isinstance(value, str):
        if data is None:
            raise ValueError(f"column name {value!r} given but no data= DataFrame")
        if value not in data:
            raise ValueError(f"no column {value!r} in data")
        value = data[value]
    if value is None:
        if required:
            raise ValueError(f"{default_name} is required")
        return None
    return np.ascontiguousarray(np.asarray(value, dtype=np.float64))


def _prepare(data, reward, propensity, target, action, q_logged, q_target, q, need_q):
    r = _column(data, reward, "reward")
    p = _column(data, propensity, "propensity")
    if r.ndim != 1:
        raise ValueError("reward must be one-dimensional")
    if isinstance(target, str) or target is None:
        t = _column(data, target, "target")
    else:
        t = np.ascontiguousarray(np.asarray(target, dtype=np.float64))
    ql = qt = None
    if t.ndim == 2:
        a = action
        if isinstance(a, str) or (a is None and data is not None and "action" in data):
            a = data[a if isinstance(a, str) else "action"]
        if a is None:
            raise ValueError("a target matrix needs action= (the logged action index per row)")
        a = np.asarray(a)
        if a.dtype.kind == "f":
            if not np.all(np.isfinite(a)) or np.any(a != np.floor(a)):
                raise ValueError("action must hold integer indices")
        a = np.ascontiguousarray(a.astype(np.int64))
        qm = None
        if need_q and q is not None:
            qm = np.ascontiguousarray(np.asarray(q, dtype=np.float64))
        t, ql, qt = _attune.ope_from_matrix(a, r, p, t, qm)
    elif t.ndim != 1:
        raise ValueError("target must be one value per row or an n x n_actions matrix")
    if need_q and ql is None:
        if q is not None:
            raise ValueError("q= (a reward-model matrix) needs a target matrix and action=")
        ql = _column(data, q_logged, "q_logged")
        qt = _column(data, q_target, "q_target")
    return r, p, t, ql, qt


def _clip_value(clip, r, p, t):
    if clip is None:
        return math.inf
    if isinstance(clip, str):
        if clip != "auto":
            raise ValueError("clip must be None, a number > 0 or 'auto'")
        return _attune.ope_suggested_clip(r, p, t)
    return float(clip)


def evaluate(estimator, reward=None, propensity=None, target=None, *, data=None, action=None,
             q_logged=None, q_target=None, q=None, clip=None, confidence=0.95,
             interval="analytic", bootstrap_resamples=2000, seed=0, top_fraction=0.01):
    """Estimate with ``estimator`` in {"ips", "snips", "dr"}; returns an :class:`OpeEstimate`."""
    if estimator not in ("ips", "snips", "dr"):
        raise ValueError("estimator must be 'ips', 'snips' or 'dr'")
    r, p, t, ql, qt = _prepare(data, reward, propensity, target, action, q_logged, q_target, q,
                               estimator == "dr")
    return _attune.ope_evaluate(estimator, r, p, t, ql, qt, clip=_clip_value(clip, r, p, t),
                                confidence=confidence, interval=interval,
                                bootstrap_resamples=int(bootstrap_resamples), seed=int(seed),
                                top_fraction=top_fraction)


def ips(reward=None, propensity=None, target=None, **kwargs):
    """Inverse-propensity scoring: mean(w * reward). See the module docstring."""
    return evaluate("ips", reward, propensity, target, **kwargs)


def snips(reward=None, propensity=None, target=None, **kwargs):
    """Self-normalized IPS: sum(w * reward) / sum(w). See the module docstring."""
    return evaluate("snips", reward, propensity, target, **kwargs)


def dr(reward=None, propensity=None, target=None, **kwargs):
    """Doubly robust, with a reward model fit on other rows (q_logged/q_target, or q + action)."""
    return evaluate("dr", reward, propensity, target, **kwargs)


def suggested_clip(reward, propensity, target):
    """Ionides' weight truncation level sqrt(n) * mean(w) (target per row)."""
    r = np.ascontiguousarray(np.asarray(reward, dtype=np.float64))
    p = np.ascontiguousarray(np.asarray(propensity, dtype=np.float64))
    t = np.ascontiguousarray(np.asarray(target, dtype=np.float64))
    return _attune.ope_suggested_clip(r, p, t)
