"""Document loaders: files in, Document records out, or a LoadError saying why not."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..records import Document
from .base import LoadError, read_bytes
from .html import load_html
from .metadata import SIDECAR_SUFFIX, build_document, content_hash, identify, read_sidecar
from .pdf import load_pdf
from .records import MAPPING_SUFFIX, RECORD_EXTENSIONS, mapping_path
from .text import load_text

__all__ = ["SUPPORTED_EXTENSIONS", "LoadError", "find_files", "identify", "load_document"]

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset({".pdf", ".txt", ".md", ".html", ".htm"})


def load_document(path: Path, root: Path | None = None, max_pages: int = 1000) -> Document:
    """Load one file with its sidecar metadata; `root` anchors its doc_id and source."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise LoadError(path, _unsupported(path))
    data = read_bytes(path)
    meta, sidecar = read_sidecar(path)
    if not data:
        raise LoadError(path, "empty file")
    if suffix == ".pdf":
        extracted = load_pdf(data, path, max_pages)
    elif suffix in (".html", ".htm"):
        extracted = load_html(data, path)
    else:
        extracted = load_text(data, path, markdown=suffix == ".md")
    return build_document(path, root, extracted, meta, content_hash(data, sidecar))


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Supported files under `paths` (folders walked recursively, sorted, hidden files
    and sidecars skipped) and the (path, reason) of everything that was not taken.
    Records files (.jsonl, .json, .csv) are taken when named, and in folders when they
    have a mapping sidecar."""
    found: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = _walk(path)
            taken = [f for f in inside if f.suffix.lower() in SUPPORTED_EXTENSIONS or _has_mapping(f)]
            found.extend(taken)
            chosen = set(taken)
            problems.extend((f, _unsupported(f)) for f in inside if f not in chosen)
            if not taken:
                problems.append((path, "folder contains no supported files"))
        elif not path.exists():
            problems.append((path, "no such file or folder"))
        elif path.suffix.lower() in SUPPORTED_EXTENSIONS | RECORD_EXTENSIONS:
            found.append(path)
        else:
            problems.append((path, _unsupported(path)))
    return list(dict.fromkeys(found)), problems


def _walk(folder: Path) -> list[Path]:
    """Files under `folder`, sorted, without hidden entries or metadata sidecars."""
    files = []
    for directory, subdirs, names in os.walk(folder):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        base = Path(directory)
        files.extend(
            base / n for n in names if not n.startswith(".") and not n.endswith((SIDECAR_SUFFIX, MAPPING_SUFFIX))
        )
    return sorted(files)


def _has_mapping(path: Path) -> bool:
    """A records file with its mapping sidecar beside it."""
    return path.suffix.lower() in RECORD_EXTENSIONS and mapping_path(path).is_file()


def _unsupported(path: Path) -> str:
    kind = f"file type {path.suffix!r}" if path.suffix else "file without an extension"
    return f"unsupported {kind} (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})"
