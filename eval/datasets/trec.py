"""TREC files: qrels (`qid iter docid rel`) and runs (`qid Q0 docid rank score tag`)."""

from __future__ import annotations

from pathlib import Path

from . import DatasetError, Qrels, Run


def read_qrels(path: Path) -> Qrels:
    """Judgments from a TREC qrels file (whitespace separated, four columns)."""
    qrels: Qrels = {}
    for number, fields in _lines(path, 4):
        try:
            qrels.setdefault(fields[0], {})[fields[2]] = int(fields[3])
        except ValueError:
            raise DatasetError(f"{path}:{number}: relevance {fields[3]!r} is not an integer") from None
    return qrels


def read_run(path: Path) -> Run:
    """A ranking from a TREC run file (six columns; the score column decides the order)."""
    run: Run = {}
    for number, fields in _lines(path, 6):
        try:
            run.setdefault(fields[0], {})[fields[2]] = float(fields[4])
        except ValueError:
            raise DatasetError(f"{path}:{number}: score {fields[4]!r} is not a number") from None
    return run


def write_run(run: Run, path: Path, tag: str) -> None:
    """Write a ranking as a TREC run file, best document first within each query."""
    with Path(path).open("w", encoding="utf-8") as out:
        for qid, scores in run.items():
            ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
            for rank, (doc_id, score) in enumerate(ranked, 1):
                out.write(f"{qid} Q0 {doc_id} {rank} {score:.6f} {tag}\n")


def _lines(path: Path, columns: int) -> list[tuple[int, list[str]]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != columns:
            raise DatasetError(f"{path}:{number}: expected {columns} columns, found {len(fields)}")
        found.append((number, fields))
    return found
