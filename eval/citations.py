"""Citation evaluation: do known sentences of real PDFs come back from the right page?

Sentences are sampled with a fixed seed from the text layer of each PDF (read with
pypdf, independently of the loader), one page at a time, and searched word for
word through `Engine.search`. Four figures, with duplicate collapsing off and on:

* ``right_document``: the top hit is from a document that holds the sentence
  (``sampled_document``: the very document it was drawn from, in the top hit or its `also_in`);
* ``right_page``: among those, the top hit's `page` is a page that holds it;
* ``duplicates_top10``: the share of the top 10 hits that repeat a higher hit's text;
* ``french_top3``: the share of French sentences whose passage (a document and page that
  hold them) is among the top 3 hits.

Plus ``table_share``: the share of indexed chunks that are mostly digits, and the
share of top hits that are table passages.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader

SEED = 9
SAMPLE = 200
MIN_WORDS, MAX_WORDS = 10, 45
TOP = 10

_SENTENCE_END = re.compile(r"(?<=[a-z\)][.!?])\s+(?=[A-Z])")
_WORD = re.compile(r"[^\W_]+")
_LETTERS = re.compile(r"^[^\W\d_]+$")


@dataclass
class Sentence:
    """A known item: the sentence, where it was taken from, and every page that holds it."""

    text: str
    doc: str
    page: int
    language: str
    found_in: dict[str, list[int]] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Lower-cased words separated by single spaces: the form sentences are matched in."""
    return " ".join(_WORD.findall(text.lower()))


def page_texts(path: Path) -> list[str]:
    """Each page's text as pypdf extracts it, lines joined with spaces."""
    reader = PdfReader(path)
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def sample_sentences(folder: Path, size: int = SAMPLE, seed: int = SEED) -> list[Sentence]:
    """Prose sentences drawn by a fixed seed; each knows every (document, page) holding it."""
    import py3langid

    pages = {path.name: page_texts(path) for path in sorted(folder.glob("*.pdf"))}
    normalised = {name: [normalise(t) for t in texts] for name, texts in pages.items()}
    candidates = []
    for name, texts in pages.items():
        for number, text in enumerate(texts, start=1):
            for sentence in _SENTENCE_END.split(text):
                words = sentence.split()
                if not MIN_WORDS <= len(words) <= MAX_WORDS or re.search(r"[a-z]- [a-z]", sentence):
                    continue
                if sum(bool(_LETTERS.match(w.strip(".,;:()\"'“”’"))) for w in words) < 0.85 * len(words):
                    continue
                candidates.append((sentence, name, number))
    chosen = random.Random(seed).sample(candidates, min(size, len(candidates)))
    out = []
    for text, name, number in chosen:
        key = normalise(text)
        found = {d: [i + 1 for i, t in enumerate(ts) if key in t] for d, ts in normalised.items()}
        out.append(Sentence(text, name, number, py3langid.classify(text)[0], {d: p for d, p in found.items() if p}))
    return out


def score(engine: Any, sentences: list[Sentence], collapse: bool) -> dict[str, Any]:
    """The four figures for one setting of duplicate collapsing."""
    from gfmd_search.records import SearchQuery

    name_of = {d["doc_id"]: Path(d["path"]).name for d in engine.searcher().reader.documents()}
    right_doc = sampled_doc = right_page = duplicates = shown = table_top = 0
    french = french_found = 0
    misses = []
    for s in sentences:
        hits = engine.search(SearchQuery(s.text, TOP, collapse=collapse)).hits
        if not hits:
            continue
        top = hits[0]
        pages = s.found_in.get(name_of[top.doc_id])
        table_top += top.kind == "table"
        sampled_doc += name_of[top.doc_id] == s.doc or any(name_of[a.doc_id] == s.doc for a in top.also_in)
        if pages:
            right_doc += 1
            if top.page in pages:
                right_page += 1
            else:
                misses.append({"sentence": s.text, "doc": s.doc, "pages": pages, "reported": top.page,
                               "kind": top.kind})
        duplicates += _repeats(hits)
        shown += len(hits)
        if s.language == "fr":
            french += 1
            french_found += any(h.page in s.found_in.get(name_of[h.doc_id], []) for h in hits[:3])
    return {
        "queries": len(sentences),
        "right_document": round(right_doc / len(sentences), 4),
        "sampled_document": round(sampled_doc / len(sentences), 4),
        "right_page": round(right_page / max(right_doc, 1), 4),
        "duplicates_top10": round(duplicates / max(shown, 1), 4),
        "french_queries": french,
        "french_top3": round(french_found / max(french, 1), 4),
        "table_top_hits": table_top,
        "wrong_pages": misses,
    }


def _repeats(hits: list[Any]) -> int:
    """How many hits repeat the shown text of a higher-ranked hit."""
    from gfmd_search.duplicates import near_duplicate, shown_text

    seen: list[str] = []
    count = 0
    for hit in hits:
        text = shown_text(hit)
        count += any(near_duplicate(text, other) for other in seen)
        seen.append(text)
    return count


def digit_share(engine: Any) -> float:
    """The share of body passages (not notes or tables) whose words are mostly numbers."""
    reader = engine.searcher().reader
    rows = [c for d in reader.documents() for c in reader.chunks_of(d["doc_id"])]
    body = [c for c in rows if c.get("kind", "body") == "body"]
    return round(sum(_mostly_digits(c["text"]) for c in body) / max(len(body), 1), 4)


def _mostly_digits(text: str) -> bool:
    tokens = text.split()
    return sum(any(ch.isdigit() for ch in t) for t in tokens) > 0.5 * max(len(tokens), 1)


def run(folder: Path, settings: Any, out: Path | None, size: int = SAMPLE, seed: int = SEED) -> dict[str, Any]:
    """Ingest the PDFs into a fresh index, search every sampled sentence, write the figures."""
    from gfmd_search.app import Engine

    sentences = sample_sentences(folder, size, seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="citations-") as tmp:
        engine = Engine(settings.with_overrides(index_dir=Path(tmp) / "index"))
        engine.ingest([folder], progress=False)
        reader = engine.searcher().reader
        chunks = [c for d in reader.documents() for c in reader.chunks_of(d["doc_id"])]
        result = {
            "dataset": str(folder),
            "seed": seed,
            "sentences": len(sentences),
            "french_sentences": sum(s.language == "fr" for s in sentences),
            "chunks": len(chunks),
            "kinds": {k: sum(c.get("kind", "body") == k for c in chunks) for k in ("body", "note", "table")},
            "mostly_digit_body_chunks": digit_share(engine),
            "collapse_off": score(engine, sentences, collapse=False),
            "collapse_on": score(engine, sentences, collapse=True),
            "seconds": round(time.perf_counter() - started, 1),
        }
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "citations.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        (out / "sentences.json").write_text(
            json.dumps([s.__dict__ for s in sentences], indent=1, ensure_ascii=False) + "\n"
        )
    return result


def summary(result: dict[str, Any]) -> str:
    """A short table of the figures."""
    lines = ["| collapse | right document | right page | duplicates in top 10 | French in top 3 |", "|---|---:|---:|---:|---:|"]
    for key in ("collapse_off", "collapse_on"):
        r = result[key]
        lines.append(
            f"| {key.split('_')[1]} | {r['right_document']:.3f} | {r['right_page']:.3f} | "
            f"{r['duplicates_top10']:.3f} | {r['french_top3']:.3f} ({r['french_queries']}) |"
        )
    lines.append(f"\nmostly-digit body chunks: {result['mostly_digit_body_chunks']:.3f} of {result['kinds']['body']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m gfmd_search_eval.citations [PDF_FOLDER] [--out DIR]`."""
    import argparse

    from gfmd_search.config import load_settings

    parser = argparse.ArgumentParser(prog="python -m gfmd_search_eval.citations", description=__doc__)
    parser.add_argument("folder", type=Path, nargs="?", default=Path("../shared/data/iom-pdfs"))
    parser.add_argument("--out", type=Path, default=Path("eval/results/citations"))
    parser.add_argument("--sample", type=int, default=SAMPLE)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(summary(run(args.folder, load_settings(), args.out, args.sample, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
