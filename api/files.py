"""Source files: paths inside the corpus root only, and the links the API gives to them."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote

from gfmd_search.config import Settings

from .errors import ApiError


def corpus_root(settings: Settings) -> Path:
    """The folder source files are served from, resolved."""
    return Path(settings.corpus_root).resolve()


def resolve_corpus_path(relative: str, settings: Settings, *, must_exist: bool = True) -> Path:
    """A path inside the corpus root, from a client-given relative path; never outside it.

    Refuses absolute paths, `..`, hidden components, backslashes and NUL; resolves symlinks
    and refuses any that lead out of the root.
    """
    root = corpus_root(settings)
    if not relative:
        raise ApiError(404, "no such file in the corpus")
    if "\x00" in relative or "\\" in relative:
        raise ApiError(400, "not a valid file path")
    pure = PurePosixPath(relative)
    if pure.is_absolute() or relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        raise ApiError(400, "absolute paths are not allowed: give a path relative to the corpus root")
    parts = [p for p in pure.parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ApiError(400, "'..' is not allowed in file paths")
    if any(p.startswith(".") for p in parts):
        raise ApiError(404, "no such file in the corpus")
    candidate = root.joinpath(*parts)
    try:
        resolved = candidate.resolve(strict=must_exist)
    except (FileNotFoundError, NotADirectoryError):
        raise ApiError(404, "no such file in the corpus") from None
    except (OSError, RuntimeError):  # symlink loops, names too long
        raise ApiError(404, "no such file in the corpus") from None
    if resolved != root and not resolved.is_relative_to(root):
        raise ApiError(403, "this path leads outside the corpus root")
    return resolved


def file_link(path: str | None, root: Path) -> str | None:
    """`/files/<path relative to the corpus root>` for a document file, or None outside the root."""
    if not path:
        return None
    try:
        relative = Path(path).resolve().relative_to(root)
    except (ValueError, OSError):
        return None
    if any(part.startswith(".") for part in relative.parts):
        return None
    return "/files/" + quote(relative.as_posix(), safe="/")
