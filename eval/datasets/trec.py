"""TREC files, read and written by ranx: qrels (`qid iter docid rel`) and runs (`qid Q0 docid rank score tag`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ranx import Qrels as RanxQrels
from ranx import Run as RanxRun

from . import DatasetError, Qrels, Run


def read_qrels(path: Path) -> Qrels:
    """Judgments from a TREC qrels file (whitespace separated, four columns)."""
    return _read(RanxQrels.from_file, path, 4)


def read_run(path: Path) -> Run:
    """A ranking from a TREC run file (six columns; the score column decides the order)."""
    return _read(RanxRun.from_file, path, 6)


def write_run(run: Run, path: Path, tag: str) -> None:
    """Write a ranking as a TREC run file, best document first within each query."""
    RanxRun({q: scores for q, scores in run.items() if scores}, name=tag).save(str(path), kind="trec")


def _read(parse: Callable[..., Any], path: Path, columns: int) -> dict:
    """What ranx's `parse` reads from `path`, as a plain dict; a bad file is a DatasetError naming its line."""
    try:
        return dict(parse(str(path), kind="trec").to_dict())
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except (ValueError, TypeError) as exc:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if len(line.split()) != columns:
                raise DatasetError(f"{path}:{number}: expected {columns} columns, found {len(line.split())}") from None
        raise DatasetError(f"{path}: not a TREC file of {columns} columns ({exc})") from None
