"""The learned ranker: a linear model over the features of features.py, saved as versioned JSON.

It is trained with scikit-learn by the partner evaluation (``gfmd-search eval-partners --train-ranker``)
and shipped in the package (`PACKAGED`); the `partner_model` setting picks it (``ranker``), another
file (a path) or the voting model (``voting``, the default). A file that is missing, unreadable, of another
format or that needs features this code does not compute is reported, and the voting model answers.

score(a) = sigmoid(bias + Σ_f weight_f · (x_f - mean_f) / scale_f); each term is a feature's
contribution, which the explanations put into words.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .features import FEATURES

KIND = "gfmd-search partner ranker"
FORMAT = 1
"""The file format; a file of another format is incompatible."""
PACKAGED = Path(__file__).resolve().parent.parent / "data" / "partner_ranker.json"
VOTING = "voting"
PACKAGED_NAME = "ranker"

log = logging.getLogger(__name__)


class RankerError(ValueError):
    """A saved ranker cannot be used: missing, corrupt or incompatible."""


@dataclass
class LinearRanker:
    """A linear scorer of candidate features, standardised as in training."""

    version: str
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    neighbours: int
    """How many nearest documents vote (a feature setting chosen with the model)."""
    about: dict[str, Any] = field(default_factory=dict)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """The score in (0, 1) of each row of feature values (columns in `self.features` order)."""
        return 1.0 / (1.0 + np.exp(-(self.bias + self._terms(x).sum(axis=1))))

    def contributions(self, x: np.ndarray) -> list[dict[str, float]]:
        """Each row's per-feature terms of the linear score."""
        return [dict(zip(self.features, row.tolist())) for row in self._terms(x)]

    def _terms(self, x: np.ndarray) -> np.ndarray:
        return (x.reshape(-1, len(self.features)) - self.mean) / self.scale * self.weights

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the saved file."""
        return {
            "kind": KIND, "format": FORMAT, "version": self.version, "neighbours": self.neighbours,
            "bias": self.bias, "features": self.features, "mean": self.mean.tolist(),
            "scale": self.scale.tolist(), "weights": self.weights.tolist(), "about": self.about,
        }

    def save(self, path: Path) -> None:
        """Write the ranker to `path` (JSON)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LinearRanker:
        """Read a saved ranker; RankerError says what is wrong with a bad file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RankerError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RankerError(f"{path}: not a readable JSON file ({exc})") from None
        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise RankerError(f"{path}: not a {KIND} file")
        if data.get("format") != FORMAT:
            raise RankerError(f"{path}: format {data.get('format')!r}, this version reads format {FORMAT}")
        try:
            features = [str(f) for f in data["features"]]
            arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
            ranker = cls(str(data["version"]), features, *arrays, float(data["bias"]), int(data["neighbours"]),
                         dict(data.get("about") or {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise RankerError(f"{path}: field {exc} is missing or malformed") from None
        unknown = sorted(set(features) - set(FEATURES))
        if unknown:
            raise RankerError(f"{path}: needs features this version does not compute: {', '.join(unknown)}")
        if any(a.shape != (len(features),) for a in arrays) or not all(np.isfinite(a).all() for a in arrays) \
                or (ranker.scale <= 0).any() or not math.isfinite(ranker.bias) or ranker.neighbours < 0:
            raise RankerError(f"{path}: mean, scale and weights must be finite, one per feature, scales > 0")
        return ranker


@dataclass
class ModelChoice:
    """Which partner model answers: the learned ranker, or the voting model (and why, if a ranker failed)."""

    ranker: LinearRanker | None
    path: Path | None = None
    problem: str | None = None

    @property
    def name(self) -> str:
        """"learned ranker <version>" or "voting"."""
        return f"learned ranker {self.ranker.version}" if self.ranker else VOTING

    def describe(self) -> dict[str, Any]:
        """What `stats` reports."""
        return {"model": self.name, "file": str(self.path) if self.path else None, "problem": self.problem}


def choose_model(setting: str) -> ModelChoice:
    """The model the `partner_model` setting names: ``voting``, ``ranker`` (the packaged ranker) or a
    path to a ranker file. A ranker that cannot be loaded is logged, and the voting model answers."""
    if setting == VOTING:
        return ModelChoice(None)
    path = PACKAGED if setting == PACKAGED_NAME else Path(setting)
    try:
        return ModelChoice(LinearRanker.load(path), path)
    except RankerError as exc:
        log.warning("partner ranker not used, the voting model answers: %s", exc)
        return ModelChoice(None, path, str(exc))
