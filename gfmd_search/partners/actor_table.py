"""Who each indexed document names, and in which roles, read once per index version.

The learned ranker's popularity and nearest-document features, and the voting model's prior, all
count documents here. A query can leave documents out of the counts (the evaluation's held-back
record), so that nothing is counted from the very document being predicted.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..records import NO_ROLE, Mention
from ..store import IndexReader

STATED = "stated"
"""The role key that counts a document naming an actor in any stated role."""

BATCH = 5000
"""Chunk rows read per query of the catalogue (well under SQLite's limit on bound parameters)."""


@dataclass
class Naming:
    """One actor in one document: the roles stated for it there, and its first passage as evidence."""

    roles: set[str]
    """Roles stated for it in the document (NO_ROLE for a mention without one)."""
    row: int
    role: str | None
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Counts:
    """Documents naming each actor, and naming it in each role, over the documents counted."""

    documents: int
    df: Counter[str]
    df_role: Counter[tuple[str, str]]


@dataclass
class Companion:
    """An actor that documents name beside another: in `together` of its `documents`."""

    actor: str
    together: int
    documents: int

    @property
    def share(self) -> float:
        """The share of the companion's documents that name the other actor."""
        return self.together / self.documents


class ActorTable:
    """Per document (in `IndexReader.doc_ids` order): the actors it names, with their roles."""

    def __init__(self, reader: IndexReader):
        self.doc_ids = reader.doc_ids()
        self.position = {d: i for i, d in enumerate(self.doc_ids)}
        self.years: list[int | None] = reader.doc_years()
        self.names: list[dict[str, Naming]] = [{} for _ in self.doc_ids]
        self.types: dict[str, str] = {}
        doc_of = reader.chunk_doc_index
        live = reader.live_rows()
        for start in range(0, len(live), BATCH):
            for row, found in reader.mentions(live[start : start + BATCH].tolist()).items():
                self._add(int(doc_of[row]), row, found)
        self.totals = self._count(np.flatnonzero(reader.doc_live()).tolist())
        self.documents_of: dict[str, list[int]] = {}
        """Each actor's documents (positions, ascending)."""
        for doc, named in enumerate(self.names):
            for name in named:
                self.documents_of.setdefault(name, []).append(doc)

    def _add(self, doc: int, row: int, found: list[Mention]) -> None:
        named = self.names[doc]
        for m in found:
            self.types.setdefault(m.name, m.type)
            naming = named.get(m.name)
            if naming is None:
                naming = named[m.name] = Naming(set(), row, m.role)
            naming.roles.add(m.role or NO_ROLE)
            if naming.row == row:
                naming.spans.append((m.start, m.end))

    def _count(self, docs: Iterable[int]) -> Counts:
        df: Counter[str] = Counter()
        df_role: Counter[tuple[str, str]] = Counter()
        n = 0
        for doc in docs:
            n += 1
            for name, naming in self.names[doc].items():
                df[name] += 1
                df_role.update((name, role) for role in naming.roles)
                if naming.roles - {NO_ROLE}:
                    df_role[name, STATED] += 1
        return Counts(n, df, df_role)

    def counts(self, leave_out: Iterable[str] = ()) -> Counts:
        """Document counts without the documents `leave_out` (ids; unknown ids are ignored)."""
        gone = {self.position[d] for d in leave_out if d in self.position}
        if not gone:
            return self.totals
        out = self._count(gone)
        return Counts(self.totals.documents - out.documents, self.totals.df - out.df, self.totals.df_role - out.df_role)

    def cooccurrence(self, actors: Iterable[str], allowed: np.ndarray | None = None) -> dict[str, dict[str, Companion]]:
        """For each actor named beside one of `actors` in the `allowed` documents (a boolean mask; None:
        all), per role (``""``: any role; `STATED`: any stated role): the one of `actors` whose documents
        name it in that role most often, as a share of that actor's documents. An actor is not its own companion."""
        out: dict[str, dict[str, Companion]] = {}
        for actor in sorted(set(actors)):
            docs = [d for d in self.documents_of.get(actor, []) if allowed is None or allowed[d]]
            together: dict[str, Counter[str]] = {}
            for doc in docs:
                for name, naming in self.names[doc].items():
                    if name != actor:
                        together.setdefault(name, Counter()).update(
                            ["", *naming.roles, *([STATED] if naming.roles - {NO_ROLE} else [])])
            for name, seen in together.items():
                best = out.setdefault(name, {})
                for role, n in seen.items():
                    if role not in best or n / len(docs) > best[role].share:
                        best[role] = Companion(actor, n, len(docs))
        return out

    def positions(self, doc_ids: Iterable[str]) -> list[int]:
        """Positions of known document ids."""
        return [self.position[d] for d in doc_ids if d in self.position]


_TABLES: weakref.WeakKeyDictionary[IndexReader, ActorTable] = weakref.WeakKeyDictionary()


def actor_table(reader: IndexReader) -> ActorTable:
    """The actor table of an index version (built on first use, then cached with the reader)."""
    table = _TABLES.get(reader)
    if table is None:
        table = _TABLES[reader] = ActorTable(reader)
    return table
