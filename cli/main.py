"""The `gfmd-search` command line: a thin layer over `Engine`.

The core commands are defined here; the evaluation commands come from `gfmd_search_eval.commands`
and `serve` runs `gfmd_search_api`, whose third-party modules are the `[eval]` and `[api]` extras.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gfmd_search.config import FUSIONS, MODES, ConfigError, load_settings
from gfmd_search.embedding import EmbeddingError
from gfmd_search.facets import parse_where
from gfmd_search.records import KINDS, Filters, IngestReport, RecommendationQuery, SearchQuery
from gfmd_search.search import SearchError
from gfmd_search.store import StoreError

if TYPE_CHECKING:
    from gfmd_search.app import Engine

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2
FACET_VALUES_SHOWN = 15

#: The extra that brings each front end's third-party modules.
EXTRAS = {"fastapi": "api", "uvicorn": "api", "ranx": "eval", "matplotlib": "eval"}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `gfmd-search` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except (ConfigError, StoreError, SearchError, EmbeddingError, ValueError) as exc:
        print(f"gfmd-search: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").partition(".")[0])
        if extra is None:
            raise
        print(f"gfmd-search: error: this command needs the [{extra}] extra: pip install 'gfmd-search[{extra}]' "
              f"({exc})", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("gfmd-search: interrupted; the previous index is still live", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gfmd-search", description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, help="index directory (default: index/)")
    common.add_argument("--config", type=Path, help="TOML config file (default: ./gfmd-search.toml if present)")
    common.add_argument("--model", help="sentence-transformers model name or path")
    common.add_argument("--device", help="cpu, cuda, cuda:1, mps (default: cuda when present)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="ingest files and folders into the index")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    p.add_argument("--follow-links", action="store_true", help="follow symlinks that lead out of a folder")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _ray_args(p)
    p.set_defaults(run=_ingest)

    p = sub.add_parser("search", parents=[common], help="search passages")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--mode", choices=MODES)
    p.add_argument("--fusion", choices=FUSIONS)
    _filter_args(p)
    p.add_argument("--group", action="store_true", help="best passage per document")
    p.add_argument("--facet", action="append", help="count matching documents per value of this facet (repeatable)")
    p.add_argument("--no-collapse", dest="collapse", action="store_false", default=None,
                   help="show passages repeated in several documents each time, not once with 'also in'")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_search)

    p = sub.add_parser("partners", parents=[common], help="suggest partners for an initiative")
    p.add_argument("text")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--type", action="append", dest="types", help="actor type to include (repeatable)")
    p.add_argument("--exclude", action="append", help="actor to leave out (repeatable)")
    _filter_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_partners)

    _add_recommendations(sub, common)

    p = sub.add_parser("stats", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_stats)

    p = sub.add_parser("remove", parents=[common], help="delete documents from the index")
    p.add_argument("doc_ids", nargs="*")
    p.add_argument("--missing", action="store_true", help="remove documents whose source files are gone")
    p.set_defaults(run=_remove)

    p = sub.add_parser("optimize", parents=[common], help="merge the index into one segment without deleted rows")
    p.set_defaults(run=_optimize)

    p = sub.add_parser("serve", parents=[common], help="serve the HTTP API and web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=_serve)

    from gfmd_search_eval.commands import add_commands

    add_commands(sub, common, _engine)
    return parser


def _add_recommendations(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("recommendations", parents=[common], help="search past recommendations and their responses")
    p.add_argument("query", nargs="?", help="what the recommendations are about (none: list them in order)")
    p.add_argument("--doc", dest="doc_id", help="only this document's recommendations")
    p.add_argument("--addressee", help="only those addressed to this actor or group (or with it responsible)")
    p.add_argument("--status", help="accepted, partially accepted, rejected, or none (no response)")
    p.add_argument("--k", type=int, default=10)
    _filter_args(p)
    p.add_argument("--json", action="store_true")

    def run(args: argparse.Namespace) -> int:
        asked = RecommendationQuery(args.query, args.k, args.doc_id, args.addressee, args.status, _filters(args))
        found = _engine(args).recommendations(asked)
        if args.json:
            print(json.dumps([u.to_dict() for u in found], indent=2, ensure_ascii=False))
            return EXIT_OK
        if not found:
            print("no recommendations")
        for rank, u in enumerate(found, 1):
            label = f"Recommendation {u.number}" if u.number else "Recommendation"
            print(f"{rank:>2}. {label} — {u.doc_id}, p. {u.page}")
            print(f"    {u.text[:300]}{'…' if len(u.text) > 300 else ''}")
            if u.addressees:
                print(f"    to: {', '.join(u.addressees)}")
            if u.response:
                r = u.response
                print(f"    response: {r.status or 'unreadable'} ({r.doc_id}, p. {r.page})"
                      + (f"; responsible: {'; '.join(r.responsible)}" if r.responsible else ""))
        return EXIT_OK

    p.set_defaults(run=run)


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    p.add_argument("--doc-type", action="append", help="document type to keep (repeatable)")
    p.add_argument("--source", action="append", help="keep documents whose source contains this (repeatable)")
    p.add_argument("--where", action="append", metavar="FACET=VALUE",
                   help="keep documents with this facet value, e.g. country=Philippines (repeatable)")
    p.add_argument("--lang", action="append", help="keep documents in this language, e.g. fr (repeatable)")
    p.add_argument("--kind", action="append", choices=KINDS, help="keep passages of this kind (repeatable)")


def _engine(args: argparse.Namespace, **extra: Any) -> Engine:
    from gfmd_search.app import Engine  # imported when a command runs: `--help` stays quick

    settings = load_settings(
        args.config, index_dir=args.index, model=args.model, device=args.device, **extra
    )
    return Engine(settings)


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(
        args.year_from, args.year_to, args.doc_type, args.source,
        where=parse_where(args.where), languages=args.lang, kinds=args.kind,
    )


def _ray_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="parse and embed on Ray: a new local instance, or 'auto' or a cluster's address")
    p.add_argument("--ray-workers", type=int, metavar="N",
                   help="Ray actors (default: one per GPU, else one per 4 CPUs of the cluster)")


def _ingest(args: argparse.Namespace) -> int:
    executor = None
    if args.ray:
        from gfmd_search.ray_ingest import RayExecutor

        executor = RayExecutor(args.ray, args.ray_workers)
    engine = _engine(args, follow_links=args.follow_links or None)
    report = engine.ingest(args.paths, prune=args.prune, executor=executor)
    return _report(report, args.json)


def _optimize(args: argparse.Namespace) -> int:
    merged = _engine(args).optimize()
    print("merged into one segment" if merged else "already one segment without deleted rows")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    engine = _engine(args)
    if args.missing:
        report = engine.ingest([], prune=True, progress=False)
    elif args.doc_ids:
        report = engine.remove(args.doc_ids)
    else:
        raise ValueError("name the documents to remove, or pass --missing")
    return _report(report, False)


def _report(report: IngestReport, as_json: bool) -> int:
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for skipped in report.skipped:
            print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
        print(
            f"ingested {len(report.ingested)}, unchanged {len(report.unchanged)}, removed {len(report.removed)}, "
            f"skipped {len(report.skipped)}; chunks embedded {report.chunks_embedded}, reused {report.chunks_reused}"
        )
    return EXIT_PARTIAL if report.failed else EXIT_OK


def _search(args: argparse.Namespace) -> int:
    query = SearchQuery(args.query, args.k, args.mode, _filters(args), args.group, args.collapse, args.facet or [])
    result = _engine(args, fusion=args.fusion).search(query)
    hits = result.hits
    if args.json:
        shown = result.to_dict() if args.facet else [h.to_dict() for h in hits]
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not hits:
        print("no results")
    for rank, hit in enumerate(hits, 1):
        print(f"{rank:>2}. {hit.title} ({hit.year or 'n.d.'}), {hit.citation()}  [{hit.score:.4f}]")
        if hit.section:
            print(f"    § {hit.section}")
        print(f"    {_terminal(hit.snippet)}")
        for facet, values in hit.facets.items():
            print(f"    {facet}: {', '.join(values)}")
        if hit.also_in:
            print("    also in: " + "; ".join(f"{a.title}, p. {a.page}" for a in hit.also_in))
        print(f"    {hit.source}  ({hit.doc_id})")
    for facet, counts in (result.facets.items() if args.facet else ()):
        print(f"{facet}: " + ", ".join(f"{c.value} ({c.count})" for c in counts[:FACET_VALUES_SHOWN]))
    return EXIT_OK


def _partners(args: argparse.Namespace) -> int:
    suggested = _engine(args).partners(args.text, args.k, args.types, args.exclude, _filters(args))
    found = suggested.partners
    if args.json:
        print(json.dumps([p.to_dict() for p in found], indent=2, ensure_ascii=False))
        if suggested.reason:
            print(f"no partners found: {suggested.reason}", file=sys.stderr)
        return EXIT_OK
    if not found:
        print(f"no partners found: {suggested.reason}")
    for rank, partner in enumerate(found, 1):
        roles = f"; roles: {', '.join(partner.roles)}" if partner.roles else ""
        print(f"{rank:>2}. {partner.name} — {partner.type} [{partner.score:.3f}], {partner.documents} document(s){roles}")
        if partner.explanation:
            print(f"      why: {'; '.join(partner.explanation)}")
        for ev in partner.evidence:
            print(f"      · {ev.title} ({ev.year or 'n.d.'}), p. {ev.page}: {_terminal(ev.snippet)}")
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    stats = _engine(args).stats()
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        for key, value in stats.items():
            print(f"{key:>10}: {value}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gfmd_search_api.main import create_app

    uvicorn.run(create_app(_engine(args), host=args.host), host=args.host, port=args.port)
    return EXIT_OK


def _terminal(snippet: str) -> str:
    """A snippet for the terminal: marks become bold (or **…** when not a tty)."""
    import html

    on, off = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("**", "**")
    return html.unescape(re.sub(r"</?mark>", lambda m: off if m.group().startswith("</") else on, snippet))
