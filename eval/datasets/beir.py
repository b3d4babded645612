"""BEIR layout: `corpus.jsonl`, `queries.jsonl` and `qrels/<split>.tsv`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from . import Collection, CorpusDoc, DatasetError, Qrels, judged, trec

CORPUS = "corpus.jsonl"
QUERIES = "queries.jsonl"
QRELS = "qrels"


def load(path: Path, split: str, corpus: Path | None = None) -> Collection:
    """The split's judged queries, with `corpus.jsonl` or, given `corpus`, that folder of files."""
    queries, qrels = judged(read_queries(path / QUERIES), read_qrels(qrels_file(path, split)))
    if corpus is not None:
        if not Path(corpus).is_dir():
            raise DatasetError(f"{corpus}: corpus folder not found")
        return Collection(path.name, split, queries, qrels, None, Path(corpus))
    if not (path / CORPUS).is_file():
        raise DatasetError(f"{path}: no {CORPUS}; pass --corpus DIR for a query set over files")
    return Collection(path.name, split, queries, qrels, list(read_corpus(path / CORPUS)), path / CORPUS)


def splits(path: Path) -> list[str]:
    """The split names that have judgments (`qrels/test.tsv` -> `test`)."""
    return sorted(p.stem for p in (Path(path) / QRELS).glob("*.tsv"))


def qrels_file(path: Path, split: str) -> Path:
    """The judgment file of a split, with the known splits in the error when missing."""
    found = Path(path) / QRELS / f"{split}.tsv"
    if not found.is_file():
        known = ", ".join(splits(path)) or "none"
        raise DatasetError(f"{path}: no judgments for split {split!r} (splits: {known})")
    return found


def read_corpus(path: Path) -> Iterator[CorpusDoc]:
    """Documents of a `corpus.jsonl` (`_id`, `title`, `text`)."""
    for number, row in _jsonl(path):
        try:
            yield CorpusDoc(str(row["_id"]), row.get("title") or "", row.get("text") or "")
        except KeyError:
            raise DatasetError(f"{path}:{number}: a document needs an _id") from None


def read_queries(path: Path) -> dict[str, str]:
    """Query texts of a `queries.jsonl` (`_id`, `text`) by id."""
    queries = {}
    for number, row in _jsonl(path):
        if "_id" not in row or not str(row.get("text", "")).strip():
            raise DatasetError(f"{path}:{number}: a query needs an _id and a text")
        queries[str(row["_id"])] = str(row["text"])
    return queries


def read_qrels(path: Path) -> Qrels:
    """Judgments of a BEIR `qrels/*.tsv` (header line optional); TREC qrels are read too."""
    lines = [(n, line.split()) for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1)]
    lines = [(n, fields) for n, fields in lines if fields]
    if lines and len(lines[0][1]) == 4:
        return trec.read_qrels(path)
    if lines and lines[0][1][-1] == "score":
        lines = lines[1:]
    qrels: Qrels = {}
    for number, fields in lines:
        if len(fields) != 3:
            raise DatasetError(f"{path}:{number}: expected query-id, corpus-id and score")
        try:
            qrels.setdefault(fields[0], {})[fields[1]] = int(fields[2])
        except ValueError:
            raise DatasetError(f"{path}:{number}: score {fields[2]!r} is not an integer") from None
    return qrels


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        handle = Path(path).open(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}:{number}: not JSON: {exc}") from None
