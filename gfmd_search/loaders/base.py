"""What every loader shares: the error type, the extraction result, reading bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..records import Page

_BOM = b"\xef\xbb\xbf"


class LoadError(Exception):
    """A file that cannot be loaded; `reason` says why in words a user can act on."""

    def __init__(self, path: Path | str, reason: str):
        self.path = display_path(path)
        super().__init__(f"{self.path}: {reason}")
        self.reason = reason


@dataclass
class Extracted:
    """A format loader's output: the pages plus the metadata the format itself carries."""

    pages: list[Page]
    title: str | None = None
    year: int | None = None


def display_path(path: Path | str) -> str:
    """A path as printable UTF-8 text: bytes of a file name that are not UTF-8 show as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes, with OS errors and files over `max_bytes` turned into LoadError."""
    try:
        if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            raise LoadError(
                path, f"file is {size / 1e6:,.1f} MB, over the limit of {max_bytes / 1e6:g} MB (setting max_file_mb)"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "no such file") from None
    except PermissionError:
        raise LoadError(path, "cannot read file: permission denied") from None
    except IsADirectoryError:
        raise LoadError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from None


def decode_utf8(data: bytes, path: Path) -> str:
    """UTF-8 text (a leading BOM is dropped); anything else is refused, never guessed."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    nul = data.find(b"\x00", start)
    if nul >= 0:
        raise LoadError(path, f"not UTF-8 text (byte 0x00 at offset {nul})")
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise LoadError(path, f"not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset})") from None
