"""Behaviour dynamics: per-customer baselines, hesitation, detachment (engagement drops),
next-state transitions, next-turn dissatisfaction risk and next-best-action tables.

The classes mirror the C++ types of ``attune::behavior`` (see docs/behavior-dynamics.md); this
module adds scikit-learn style conveniences: ``fit`` returns ``self``, fitted attributes end in
``_``, numpy arrays out, pandas Series accepted where a daily series is the natural input.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np

from . import _attune

STATE_NAMES = _attune.STATE_NAMES

Baseline = _attune.Baseline
HesitationDetector = _attune.HesitationDetector
NextBestAction = _attune.NextBestAction


class EngagementMonitor(_attune.EngagementMonitor):
    """Detachment detector on one account's daily engagement (one-sided CUSUM)."""

    def observe_series(self, values, start_day: Optional[int] = None):
        """Feed a daily series. ``values`` is a numpy array / list (then ``start_day`` is the day
        index of the first value) or a pandas Series with a DatetimeIndex (missing days count as
        0 engagement). Returns per-day ``detached``, ``score`` and ``drop`` as a dict of numpy
        arrays, or a pandas DataFrame indexed like the input series."""
        try:
            import pandas as pd  # optional
        except ImportError:  # pragma: no cover
            pd = None
        if pd is not None and isinstance(values, pd.Series) and isinstance(values.index, pd.DatetimeIndex):
            s = values.sort_index()
            days = s.index.normalize()
            full = pd.date_range(days[0], days[-1], freq="D")
            daily = s.groupby(days).sum().reindex(full, fill_value=0.0)
            first = int((full[0] - pd.Timestamp("1970-01-01", tz=full.tz)) // pd.Timedelta(days=1))
            out = self.observe_days(np.asarray(daily.values, dtype=np.float64), first)
            return pd.DataFrame(out, index=full)
        if start_day is None:
            raise ValueError("start_day is required unless values is a pandas Series with a DatetimeIndex")
        return self.observe_days(np.asarray(values, dtype=np.float64), int(start_day))


class StateTransitions(_attune.StateTransitions):
    """Smoothed Markov model over the marketing states.

    ``fit(sequences)`` learns from sequences of state names (or indices) and sets
    ``transition_matrix_`` (8 x 8, rows = from-state in ``STATE_NAMES`` order)."""

    def fit(self, sequences: Iterable[Sequence]) -> "StateTransitions":
        seqs = [list(s) for s in sequences]
        # Validate every name first so a bad sequence changes nothing.
        for seq in seqs:
            for s in seq:
                if isinstance(s, str) and s not in STATE_NAMES:
                    raise ValueError(f"unknown marketing state '{s}' (valid: {', '.join(STATE_NAMES)})")
        for seq in seqs:
            self.observe_sequence(seq)
        self.transition_matrix_ = self.matrix()
        return self

    def matrix(self) -> np.ndarray:
        """Current next-state probabilities, 8 x 8."""
        return np.vstack([self.predict(name) for name in STATE_NAMES])


class TurnRiskModel(_attune.TurnRiskModel):
    """P(the customer's next turn is dissatisfied) from the conversation so far.

    The default model is rule-based. ``fit(dialogues)`` learns from your own labelled dialogues:
    each dialogue is a list of ``(customer: bool, text: str, label)`` with label 1 (dissatisfied),
    0 (not) or None (unlabelled, e.g. system turns)."""

    def fit(self, dialogues, l2: float = 1.5e-4, iterations: int = 300, learning_rate: float = 0.05,
            words: bool = True) -> "TurnRiskModel":
        self._fit([list(d) for d in dialogues], l2, iterations, learning_rate, words)
        return self


__all__ = ["STATE_NAMES", "Baseline", "HesitationDetector", "EngagementMonitor", "StateTransitions",
           "TurnRiskModel", "NextBestAction"]
