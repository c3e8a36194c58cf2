"""attune: adaptive-empathy personalization.

Read how a customer feels (emotion scoring of text), anticipate what they will do (intent from
behaviour), choose the message variant that fits (contextual bandit), and learn from the outcome,
with consent, guardrails, explanations and an audit trail built in.

Errors: arguments that are wrong raise ``ValueError``; everything else raises
``attune.AttuneError`` (its ``status`` attribute names the status code, e.g. ``"io_error"``).
"""

import os as _os

# An installed package carries its default models in attune/models; point the C++ model search
# there (ATTUNE_MODEL_DIR comes first in attune::find_model) unless the host chose a directory.
_PACKAGE_MODELS = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "models")
if _os.path.isdir(_PACKAGE_MODELS) and not _os.environ.get("ATTUNE_MODEL_DIR"):
    _os.environ["ATTUNE_MODEL_DIR"] = _PACKAGE_MODELS

from . import _attune
from ._attune import AttuneError, status_name


__version__ = _attune.__version__
__all__ = ["AttuneError", "status_name", "__version__"]

# One block per component: its imports and its names in __all__.
from .text import Token, tokenize, normalize, MAX_TEXT_BYTES
__all__ += ["Token", "tokenize", "normalize", "MAX_TEXT_BYTES"]

from .ethics import ConsentRegistry, Guardrails, GuardrailResult, FiredRule, PURPOSES
__all__ += ["ConsentRegistry", "Guardrails", "GuardrailResult", "FiredRule", "PURPOSES"]

from .behavior import Event, IntentModel, SessionTracker, parse_event, sessions_from_events, UCI_FEATURES
__all__ += ["Event", "IntentModel", "SessionTracker", "parse_event", "sessions_from_events", "UCI_FEATURES"]

from . import ope
__all__ += ["ope"]

from .emotion import EmotionModel, EmotionClassifier, LABELS as EMOTION_LABELS, EKMAN_GROUPS
__all__ += ["EmotionModel", "EmotionClassifier", "EMOTION_LABELS", "EKMAN_GROUPS"]

from ._attune import Engine
__all__ += ["Engine"]

from .select import Catalog, Decision, Policy, Selector, parse_decision_id
__all__ += ["Catalog", "Decision", "Policy", "Selector", "parse_decision_id"]

from .dynamics import (STATE_NAMES, Baseline, HesitationDetector, EngagementMonitor, StateTransitions,
                       TurnRiskModel, NextBestAction)
__all__ += ["STATE_NAMES", "Baseline", "HesitationDetector", "EngagementMonitor", "StateTransitions",
            "TurnRiskModel", "NextBestAction"]

from . import audit
from .audit import AuditLog
__all__ += ["audit", "AuditLog"]
