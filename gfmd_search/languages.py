"""Document language detection with py3langid (its model ships in the wheel)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from .records import Document

CONFIDENCE = 0.9  # below this probability the detector is unsure and the default language is used
SAMPLE_CHARS = 20_000  # detection reads this much text, spread over the document


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str, default: str) -> tuple[str, bool]:
    """The ISO 639-1 language of a text and whether the detector was sure (else `default`)."""
    sample = _spread(text)
    if not sample.strip():
        return default, False
    language, probability = _identifier().classify(sample)
    return (str(language), True) if probability >= CONFIDENCE else (default, False)


def with_language(doc: Document, default: str) -> Document:
    """The document with its language set: as given (or in its sidecar), else detected, else `default`."""
    given = doc.language or doc.extra.get("language")
    if isinstance(given, str) and given.strip():
        return replace(doc, language=given.strip().lower(), language_detected=True)
    language, sure = detect(doc.text, default)
    return replace(doc, language=language, language_detected=sure)


def _spread(text: str) -> str:
    """Up to SAMPLE_CHARS of the text, in five pieces from along it."""
    if len(text) <= SAMPLE_CHARS:
        return text
    piece = SAMPLE_CHARS // 5
    step = (len(text) - piece) // 4
    return " ".join(text[i * step : i * step + piece] for i in range(5))
