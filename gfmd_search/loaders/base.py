"""What every loader shares: the error type, the extraction result, reading bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..records import Page

_BOM = b"\xef\xbb\xbf"


class LoadError(Exception):
    """A file that cannot be loaded; `reason` says why in words a user can act on."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass
class Extracted:
    """A format loader's output: the pages plus the metadata the format itself carries."""

    pages: list[Page]
    title: str | None = None
    year: int | None = None


def read_bytes(path: Path) -> bytes:
    """The file's bytes, with OS errors turned into LoadError."""
    try:
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
