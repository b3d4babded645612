"""Document loaders: files in, Document records out, or a LoadError saying why not."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from ..records import Document
from .base import LoadError, display_path, read_bytes
from .html import load_html
from .metadata import SIDECAR_SUFFIX, build_document, content_hash, identify, read_sidecar
from .pdf import load_pdf
from .records import MAPPING_SUFFIX, RECORD_EXTENSIONS, mapping_path
from .text import load_text

__all__ = ["SUPPORTED_EXTENSIONS", "LoadError", "display_path", "find_files", "identify", "load_document"]

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset({".pdf", ".txt", ".md", ".html", ".htm"})


def load_document(
    path: Path, root: Path | None = None, max_pages: int = 1000, max_bytes: int | None = None
) -> Document:
    """Load one file with its sidecar metadata; `root` anchors its doc_id and source."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise LoadError(path, _unsupported(path))
    data = read_bytes(path, max_bytes)
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


def find_files(paths: Iterable[Path], follow_links: bool = False) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Supported files under `paths` (folders walked recursively, sorted, hidden files
    and sidecars skipped) and the (path, reason) of everything that was not taken.
    Records files (.jsonl, .json, .csv) are taken when named, and in folders when they
    have a mapping sidecar.

    A symlink met while walking a folder must stay inside that folder unless `follow_links`;
    loops, broken links and file names that are not UTF-8 are reported, never followed."""
    found: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside, trouble = _walk(path, follow_links)
            taken = [f for f in inside if f.suffix.lower() in SUPPORTED_EXTENSIONS or _has_mapping(f)]
            found.extend(taken)
            chosen = set(taken)
            problems.extend(trouble)
            problems.extend((f, _unsupported(f)) for f in inside if f not in chosen)
            if not taken:
                problems.append((path, "folder contains no supported files"))
        elif (reason := _link_problem(path, None, True) or _name_problem(path)) is not None:
            problems.append((path, reason))
        elif not path.exists():
            problems.append((path, "no such file or folder"))
        elif path.suffix.lower() in SUPPORTED_EXTENSIONS | RECORD_EXTENSIONS:
            found.append(path)
        else:
            problems.append((path, _unsupported(path)))
    return list(dict.fromkeys(found)), problems


def _walk(folder: Path, follow_links: bool) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files under `folder`, sorted, without hidden entries or metadata sidecars, each file
    once (a link to a file that is walked anyway is dropped), and the entries refused."""
    root = folder.resolve()
    files: dict[str, Path] = {}  # resolved path -> the path it is walked under
    problems: list[tuple[Path, str]] = []
    walked: set[str] = set()
    links: list[Path] = []
    for directory, subdirs, names in os.walk(folder, followlinks=follow_links):
        walked.add(os.path.realpath(directory))
        base = Path(directory)
        kept = []
        for name in sorted(subdirs):
            path = base / name
            if name.startswith("."):
                continue
            if path.is_symlink():
                if (reason := _link_problem(path, root, follow_links)) is not None:
                    problems.append((path, reason))
                    continue
                target = os.path.realpath(path)
                if _inside(Path(target), root) or target in walked:
                    continue  # its files are walked from where they lie
            kept.append(name)
        subdirs[:] = kept
        for name in sorted(names):
            path = base / name
            if name.startswith(".") or name.endswith((SIDECAR_SUFFIX, MAPPING_SUFFIX)):
                continue
            reason = _link_problem(path, root, follow_links) or _name_problem(path)
            if reason is not None:
                problems.append((path, reason))
            elif path.is_symlink():
                links.append(path)
            else:
                files.setdefault(os.path.realpath(path), path)
    for path in links:
        files.setdefault(os.path.realpath(path), path)
    return sorted(files.values()), problems


def _link_problem(path: Path, root: Path | None, follow_links: bool) -> str | None:
    """Why a symlink is not followed (a loop, a broken link, a link out of `root`), or None."""
    if not path.is_symlink():
        return None
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"symbolic link loop ({display_path(os.readlink(path))} leads back to itself)"
        return f"broken symbolic link: its target {display_path(os.readlink(path))} does not exist"
    if root is not None and not follow_links and not _inside(target, root):
        return (
            f"symbolic link to {display_path(target)}, outside {display_path(root)}: "
            "not followed (allow with --follow-links or the setting follow_links)"
        )
    return _name_problem(target)


def _name_problem(path: Path) -> str | None:
    """A reason when the path cannot be stored as text (a file name that is not UTF-8)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8: rename the file"
    return None


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _has_mapping(path: Path) -> bool:
    """A records file with its mapping sidecar beside it."""
    return path.suffix.lower() in RECORD_EXTENSIONS and mapping_path(path).is_file()


def _unsupported(path: Path) -> str:
    kind = f"file type {path.suffix!r}" if path.suffix else "file without an extension"
    return f"unsupported {kind} (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})"
