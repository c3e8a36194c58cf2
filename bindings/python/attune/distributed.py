"""Scoring large tables with an existing distributed engine (Dask, Spark), and merging the
policy statistics of replicas.

The pattern is the same on every engine: the table is split into pandas partitions, a function
runs on each partition in a worker, and that function needs the model. Loading a model costs far
more than scoring a row, so each worker process loads it **once** and keeps it in a module-level
cache (:func:`emotion_model`); the partition function (:func:`score_emotions`) is a plain
``pandas.DataFrame -> pandas.DataFrame`` function that Dask's ``map_partitions`` and Spark's
``mapInPandas`` both accept (see docs/python.md).

Scoring is thread-safe, so one cached model serves every thread of a worker. The cache is keyed
by the model path (``None`` = the shipped default). Output rows equal single-process scoring of
the same texts: the model is deterministic and scores each text independently.

Online learning across app servers: each server learns on its own replica of a policy and the
replicas are folded back into one with :func:`merge_policies` (``base += replica - base`` for
each replica, the additive merge of the selection component).
"""

from __future__ import annotations

import os
import threading
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from .emotion import EmotionModel, LABELS

__all__ = ["emotion_model", "score_emotions", "emotion_output_columns", "cache_info", "clear_cache",
           "merge_policies"]

_lock = threading.Lock()
_models: Dict[Optional[str], EmotionModel] = {}
_loads = 0  # models loaded by this process (a test checks "once per worker")


def emotion_model(path: Optional[str] = None) -> EmotionModel:
    """The emotion model of this process, loaded on first use and cached (thread-safe).

    ``path``: a model file; ``None`` loads the shipped default (``EmotionModel.default()``).
    Raises ``AttuneError`` when the file is missing or malformed (nothing is cached then).
    """
    global _loads
    key = None if path is None else os.path.abspath(os.fspath(path))
    model = _models.get(key)
    if model is not None:
        return model
    with _lock:
        model = _models.get(key)
        if model is None:
            model = EmotionModel.default() if key is None else EmotionModel.load(key)
            _models[key] = model
            _loads += 1
    return model


def cache_info() -> dict:
    """{"pid", "models" (cached paths, None = default), "loads"} for this process."""
    with _lock:
        return {"pid": os.getpid(), "models": list(_models), "loads": _loads}


def clear_cache() -> None:
    """Forget the cached models (the next call reloads; e.g. after a model file was replaced)."""
    global _loads
    with _lock:
        _models.clear()
        _loads = 0


def emotion_output_columns(probabilities: Sequence[str] = ()) -> List[str]:
    """Names of the columns :func:`score_emotions` adds, in order."""
    return ["valence", "arousal", "confidence", "emotions", "top_emotion", "active_mask"] + \
        [f"p_{label}" for label in probabilities]


def score_emotions(df, text_column: str = "text", model_path: Optional[str] = None,
                   probabilities: Iterable[str] = (), keep_columns: bool = True, threads: int = 1):
    """Score the texts of one pandas partition; returns a new DataFrame (same index).

    Added columns: ``valence`` (-1..1), ``arousal`` (0..1), ``confidence`` (0..1), ``emotions``
    (active labels joined by ",", "" when none), ``top_emotion`` (most probable label other than
    neutral), ``active_mask`` (bit i = ``attune.EMOTION_LABELS[i]`` active) and ``p_<label>`` for
    each label named in ``probabilities``. ``keep_columns=False`` returns only the added columns.
    ``threads``: scoring threads inside this call (1 by default: the cluster already runs one
    task per core). Empty partitions are handled without loading the model, so the function also
    computes Dask's ``meta``. Raises ``ValueError`` for a missing column, non-str texts or unknown
    labels in ``probabilities``.
    """
    import pandas as pd

    probabilities = list(probabilities)
    for label in probabilities:
        if label not in LABELS:
            raise ValueError(f"unknown emotion label {label!r}")
    if text_column not in df.columns:
        raise ValueError(f"column {text_column!r} not in the partition (columns: {list(df.columns)})")
    texts = df[text_column]
    n = len(texts)
    out = pd.DataFrame(index=df.index)
    if n == 0:
        valence = arousal = confidence = np.zeros(0, dtype=np.float64)
        emotions = top = np.array([], dtype=object)
        masks = np.zeros(0, dtype=np.int64)
        probs = np.zeros((0, len(LABELS)), dtype=np.float32)
    else:
        model = emotion_model(model_path)
        probs, raw_masks = model.predict_masks(texts, threads=threads)
        masks = np.asarray(raw_masks, dtype=np.int64)
        scores = [model.score(t) for t in texts.tolist()]
        valence = np.array([s["valence"] for s in scores], dtype=np.float64)
        arousal = np.array([s["arousal"] for s in scores], dtype=np.float64)
        confidence = np.array([s["confidence"] for s in scores], dtype=np.float64)
        emotions = np.array([",".join(s["active"]) for s in scores], dtype=object)
        non_neutral = [i for i, label in enumerate(LABELS) if label != "neutral"]
        best = np.asarray(probs)[:, non_neutral].argmax(axis=1)
        top = np.array([LABELS[non_neutral[b]] for b in best], dtype=object)
    out["valence"] = valence
    out["arousal"] = arousal
    out["confidence"] = confidence
    out["emotions"] = emotions
    out["top_emotion"] = top
    out["active_mask"] = masks
    for label in probabilities:
        out[f"p_{label}"] = np.asarray(probs, dtype=np.float32)[:, LABELS.index(label)]
    if not keep_columns:
        return out
    clash = [c for c in out.columns if c in df.columns]
    if clash:
        raise ValueError(f"the partition already has columns {clash}; rename them or keep_columns=False")
    return pd.concat([df, out], axis=1)


def merge_policies(base, replicas):
    """Fold replicas of a policy back into one: returns a new policy equal to
    ``base + sum(replica - base)``.

    ``base``: the policy every replica started from (an ``attune.Policy``, or its ``save()``
    bytes); ``replicas``: the policies (or bytes) the app servers learned on since. With no
    forgetting the result equals one policy that learned every replica's outcomes (the
    statistics are additive); ``base`` itself is not modified. Raises ``ValueError`` when kinds,
    options or shapes differ.
    """
    from . import Policy  # the selection component

    def as_policy(p):
        return Policy.load(p) if isinstance(p, (bytes, bytearray, memoryview)) else p

    base = as_policy(base)
    merged = Policy.load(base.save())
    for replica in replicas:
        merged.merge(as_policy(replica), base)
    return merged
