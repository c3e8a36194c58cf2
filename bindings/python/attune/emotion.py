"""Emotion scoring: text -> 27 GoEmotions emotions + neutral, Ekman groups, marketing states,
valence, arousal, confidence; explanations; the empathy loop (online corrections).

``EmotionModel`` mirrors the C++ ``attune::emotion::EmotionModel``; ``EmotionClassifier`` is a
scikit-learn style estimator (``fit``/``partial_fit`` return self, ``predict`` returns a 0/1
indicator matrix in ``LABELS`` order, ``predict_proba`` the probabilities).
"""

from __future__ import annotations

import json
from typing import Iterable, List, Optional, Sequence, Union

import numpy as np

from . import _attune

LABELS: List[str] = list(_attune.EMOTION_LABELS)
EKMAN_GROUPS: List[str] = list(_attune.EKMAN_GROUPS)


def _texts(texts) -> list:
    """Accept a str list/tuple, a numpy array of str or a pandas Series."""
    if isinstance(texts, str):
        raise ValueError("expected a sequence of texts, got a single str")
    if hasattr(texts, "tolist"):  # numpy arrays and pandas Series
        texts = texts.tolist()
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise ValueError(f"texts must be str, got {type(t).__name__}")
    return texts


def _mask(labels) -> int:
    """Label names or indices -> bit mask."""
    if isinstance(labels, str):
        labels = [labels]
    mask = 0
    for label in labels:
        if isinstance(label, (int, np.integer)):
            if not 0 <= int(label) < len(LABELS):
                raise ValueError(f"label index out of range: {label}")
            mask |= 1 << int(label)
        elif label in LABELS:
            mask |= 1 << LABELS.index(label)
        else:
            raise ValueError(f"unknown emotion label {label!r}")
    if mask == 0:
        raise ValueError("at least one label is required")
    return mask


def _masks(y) -> list:
    """y as an (n, 28) indicator matrix, or a list of label lists -> list of masks."""
    if hasattr(y, "values") and not isinstance(y, dict):  # pandas
        y = y.values
    if isinstance(y, np.ndarray) and y.ndim == 2:
        if y.shape[1] != len(LABELS):
            raise ValueError(f"y must have {len(LABELS)} columns, got {y.shape[1]}")
        weights = (1 << np.arange(len(LABELS), dtype=np.uint64)).astype(np.uint64)
        return [int(v) for v in (y.astype(bool).astype(np.uint64) * weights).sum(axis=1)]
    return [_mask(labels) for labels in y]


class EmotionModel:
    """A trained emotion model. Scoring is thread-safe; ``correct``/``partial_fit`` are not
    concurrent with other calls on the same model."""

    def __init__(self, impl: "_attune._EmotionModel"):
        self._impl = impl

    @classmethod
    def default(cls) -> "EmotionModel":
        """The shipped English model (models/emotion-en.attm)."""
        return cls(_attune._EmotionModel.load_default())

    @classmethod
    def load(cls, path: str) -> "EmotionModel":
        return cls(_attune._EmotionModel.load(str(path)))

    @classmethod
    def from_bytes(cls, data: bytes) -> "EmotionModel":
        return cls(_attune._EmotionModel.from_bytes(bytes(data)))

    labels = LABELS

    def score(self, text: str) -> dict:
        """Scores of one text: {labels, active, ekman, ekman_active, states, valence, arousal,
        confidence, active_mask}."""
        return self._impl.score(text)

    def score_batch(self, texts, threads: int = 0) -> np.ndarray:
        """Probabilities of many texts as a float32 array of shape (n, 28) (GIL released,
        ``threads`` = 0 uses every core)."""
        return self._impl.score_batch(_texts(texts), int(threads))

    def predict_masks(self, texts, threads: int = 0):
        """(probabilities (n, 28), active-label bit masks (n,))."""
        return self._impl.score_batch_masks(_texts(texts), int(threads))

    def explain(self, text: str, top_k: int = 5) -> list:
        """Per active label, the tokens that contributed most to its log-odds."""
        return json.loads(self._impl.explain_json(text, int(top_k)))

    def correct(self, text: str, labels, **options) -> "EmotionModel":
        """The empathy loop: a person verified ``labels`` (names or indices) for ``text``."""
        self._impl.partial_fit([text], [_mask(labels)], **options)
        return self

    def partial_fit(self, texts, labels, **options) -> "EmotionModel":
        """Adapt to many verified examples (``labels``: list of label lists or an (n, 28)
        indicator matrix). Options: learning_rate, epochs, max_weight_change."""
        texts = _texts(texts)
        masks = _masks(labels)
        if len(texts) != len(masks):
            raise ValueError("texts and labels differ in length")
        self._impl.partial_fit(texts, masks, **options)
        return self

    def save(self, path: str) -> None:
        self._impl.save(str(path))

    def to_bytes(self) -> bytes:
        return self._impl.to_bytes()

    @property
    def thresholds(self) -> np.ndarray:
        return self._impl.thresholds

    @property
    def metadata(self) -> dict:
        return json.loads(self._impl.metadata_json)


class EmotionClassifier:
    """scikit-learn style multi-label emotion classifier over the 28 GoEmotions labels.

    ``fit(X, y)`` trains a new model (X: texts; y: (n, 28) indicator matrix or list of label
    lists); the lexicon comes from the shipped model. ``partial_fit`` adapts the fitted model, or
    the shipped default model when not fitted yet (the empathy loop). Fitted attributes:
    ``model_`` (EmotionModel), ``classes_`` (label names), ``thresholds_``.
    """

    def __init__(self, epochs: int = 6, learning_rate: float = 0.1, hash_bits: int = 18,
                 char_min: int = 3, char_max: int = 5, folds: int = 5, seed: int = 1,
                 class_weight_power: float = 0.3, quantize: bool = True, threads: int = 0):
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.hash_bits = hash_bits
        self.char_min = char_min
        self.char_max = char_max
        self.folds = folds
        self.seed = seed
        self.class_weight_power = class_weight_power
        self.quantize = quantize
        self.threads = threads

    _params = ("epochs", "learning_rate", "hash_bits", "char_min", "char_max", "folds", "seed",
               "class_weight_power", "quantize", "threads")

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in self._params}

    def set_params(self, **params) -> "EmotionClassifier":
        for k, v in params.items():
            if k not in self._params:
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def fit(self, X, y) -> "EmotionClassifier":
        texts = _texts(X)
        masks = _masks(y)
        if len(texts) != len(masks):
            raise ValueError("X and y differ in length")
        lexicon = _attune._EmotionModel.load_default()
        impl = _attune._EmotionModel.train(
            texts, masks, lexicon, epochs=int(self.epochs), learning_rate=float(self.learning_rate),
            hash_bits=int(self.hash_bits), char_min=int(self.char_min), char_max=int(self.char_max),
            folds=int(self.folds), seed=int(self.seed), class_weight_power=float(self.class_weight_power),
            quantize=bool(self.quantize))
        self._set_model(EmotionModel(impl))
        return self

    def partial_fit(self, X, y, **options) -> "EmotionClassifier":
        if not hasattr(self, "model_"):
            self._set_model(EmotionModel.default())
        self.model_.partial_fit(X, y, **options)
        return self

    def _set_model(self, model: EmotionModel) -> None:
        self.model_ = model
        self.classes_ = np.array(LABELS)
        self.thresholds_ = model.thresholds

    def _check(self):
        if not hasattr(self, "model_"):
            raise ValueError("EmotionClassifier is not fitted; call fit or partial_fit first")

    def predict_proba(self, X) -> np.ndarray:
        self._check()
        return self.model_.score_batch(X, self.threads)

    def predict(self, X) -> np.ndarray:
        """0/1 indicator matrix (n, 28) of active labels."""
        self._check()
        _, masks = self.model_.predict_masks(X, self.threads)
        bits = (masks[:, None].astype(np.uint64) >> np.arange(len(LABELS), dtype=np.uint64)) & np.uint64(1)
        return bits.astype(np.int8)
