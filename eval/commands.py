"""`gfmd-search` subcommands for evaluation (kept import-light: argparse only at import)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gfmd_search.config import AGGREGATIONS

if TYPE_CHECKING:
    from gfmd_search.app import Engine
    from gfmd_search.config import Settings

MakeEngine = Callable[..., "Engine"]
"""The CLI's engine from the parsed common flags (`--config`, `--model`, `--device`) and setting overrides."""
NEIGHBOURS_K = 15
"""Records that vote in the nearest-neighbour partner baseline: the best k on the tune split
(`--tune neighbours`, eval/results/partners/tune-neighbours/)."""


def add_commands(sub: Any, common: argparse.ArgumentParser, make_engine: MakeEngine) -> None:
    """Register the evaluation subcommands on the `gfmd-search` parser."""
    for register in (_add_eval, _add_tune, _add_eval_partners, _add_eval_recommendations):
        register(sub, common, make_engine)


def _add_eval(sub: Any, common: argparse.ArgumentParser, make_engine: MakeEngine) -> None:
    p = sub.add_parser(
        "eval",
        parents=[common],
        help="measure retrieval quality on a test collection",
        description="Index a test collection (BEIR folder, Cranfield folder, or a query set with --corpus), "
        "run its queries in each mode and score them: nDCG@10, Recall@100, MRR@10, MAP@100.",
    )
    _dataset_args(p)
    p.add_argument("--split", default="test", help="judgment split to score (default: test)")
    p.add_argument("--modes", default="bm25,dense,hybrid", help="comma-separated modes (default: all three)")
    p.add_argument("--out", type=Path, help="write metrics.json, run.json, report.md, chart.png and TREC runs here")
    p.add_argument("--compare", action="append", type=Path, default=[], metavar="RUN",
                   help="a TREC run file to score and compare with the modes (repeatable)")
    p.set_defaults(run=lambda args: _eval(args, make_engine))


def _add_tune(sub: Any, common: argparse.ArgumentParser, make_engine: MakeEngine) -> None:
    p = sub.add_parser(
        "tune",
        parents=[common],
        help="choose BM25 and fusion settings on a training split or by cross-validation",
        description="Grid-search BM25 analysis and parameters, fusion method and weights and document "
        "aggregation on a training split (--split train) or by k-fold cross-validation (--folds K).",
    )
    _dataset_args(p)
    p.add_argument("--split", default="train", help="judgment split to tune on (default: train)")
    p.add_argument("--folds", type=int, help="cross-validate over K folds of the split instead")
    p.add_argument("--out", type=Path, help="write tuning.json and tuning.md here")
    p.set_defaults(run=lambda args: _tune(args, make_engine))


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", type=Path, help="folder of the test collection or query set")
    p.add_argument("--corpus", type=Path, help="folder of files the query set is judged on (ingested as files)")
    p.add_argument("--cache", type=Path, default=Path("eval/cache"),
                   help="where indexes of test collections are kept (default: eval/cache)")
    p.add_argument("--aggregation", choices=AGGREGATIONS,
                   help="document score from its chunks' scores (default: setting doc_aggregation)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                   help="override a setting for this run, e.g. --set fusion=convex (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _settings(args: argparse.Namespace, make_engine: MakeEngine) -> Settings:
    """The run's Settings: config file, environment, then --set and --aggregation."""
    if args.index is not None:
        raise ValueError("eval and tune keep their indexes under --cache; --index does not apply")
    overrides = dict(_pair(item) for item in args.settings)
    overrides["doc_aggregation"] = args.aggregation or overrides.get("doc_aggregation")
    return make_engine(args, **overrides).settings


def _pair(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set takes KEY=VALUE, not {item!r}")
    return key.strip(), value.strip()


def _eval(args: argparse.Namespace, make_engine: MakeEngine) -> int:
    from .datasets import load, trec
    from .report import table, write
    from .runner import evaluate_collection

    settings = _settings(args, make_engine)
    collection = load(args.dataset, args.split, args.corpus)
    extra = {path.stem: trec.read_run(path) for path in args.compare}
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    evaluation = evaluate_collection(collection, settings, modes, args.cache, progress=not args.quiet)
    evaluation.add_runs(extra)
    print(table(evaluation.metrics))
    print(
        f"{len(collection.queries)} queries; chunks embedded {evaluation.ingest.chunks_embedded}, "
        f"reused {evaluation.ingest.chunks_reused}; {evaluation.seconds['total']:.0f} s"
    )
    if args.out:
        write(evaluation, args.out, _command(args))
        print(f"wrote {args.out}/")
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command line that repeats this evaluation (recorded in the outputs)."""
    parts = ["gfmd-search", "eval", str(args.dataset), "--split", args.split, "--modes", args.modes]
    parts += ["--corpus", str(args.corpus)] if args.corpus else []
    parts += ["--aggregation", args.aggregation] if args.aggregation else []
    parts += [x for item in args.settings for x in ("--set", item)]
    parts += [x for path in args.compare for x in ("--compare", str(path))]
    return shlex.join(parts + ["--out", str(args.out)])


def _tune(args: argparse.Namespace, make_engine: MakeEngine) -> int:
    from .datasets import load
    from .tune import tune

    settings = _settings(args, make_engine)
    collection = load(args.dataset, args.split, args.corpus)
    result = tune(collection, settings, args.cache, args.folds, progress=not args.quiet)
    print(result.markdown())
    if args.out:
        result.write(args.out)
        print(f"wrote {args.out}/")
    return 0


def _add_eval_partners(sub: Any, common: argparse.ArgumentParser, make_engine: MakeEngine) -> None:
    p = sub.add_parser(
        "eval-partners",
        parents=[common],
        help="score partner suggestion on real records (IOM donors, GFMD roundtable teams)",
        description="Index the --train IOM evaluation records, suggest partners for each --test record "
        "(title, themes, countries) and score them against its real donors; with --roundtables, hold back "
        "each GFMD roundtable session and score against its co-chairs and team members. MAP, P@5, "
        "Recall@10 for the learned ranker, the voting model and three baselines. See eval/partners/.",
    )
    p.add_argument("--train", type=Path, help="JSON list of IOM evaluation records to index")
    p.add_argument("--test", type=Path, help="JSON list of IOM evaluation records to query with")
    p.add_argument("--roundtables", type=Path, metavar="MEETINGS",
                   help="GFMD facts meetings.json: add the held-back roundtable evaluation")
    p.add_argument("--tune", nargs="?", const="all", choices=("all", "neighbours"),
                   help="grid-search the voting settings and the nearest-neighbour k on --train/--test "
                   "(--tune neighbours: the k only)")
    p.add_argument("--train-ranker", type=Path, metavar="FILE",
                   help="train the learned ranker on the --train records (cross-validated) and save it to FILE")
    p.add_argument("--learning-curve", action="store_true",
                   help="cross-validate the packaged ranker's settings and the nearest-neighbour vote on shares "
                   "of the --train records (does more data widen the ranker's lead?)")
    p.add_argument("--neighbours", type=int, default=NEIGHBOURS_K,
                   help=f"records that vote in the nearest-neighbour baseline (default {NEIGHBOURS_K}; --tune measures others)")
    p.add_argument("--make-split", type=Path, metavar="DIR",
                   help="write train/test/tune-train/tune-test record files of the committed split to DIR")
    p.add_argument("--data", type=Path, default=Path("../shared/data/iom-evaluations/evaluations.json"),
                   help="the IOM evaluation records (for --make-split)")
    p.add_argument("--split-ids", type=Path, default=Path("eval/partners/split.json"),
                   help="record ids of the split (created with --seed when missing)")
    p.add_argument("--seed", type=int, default=2024, help="seed of a new split")
    p.add_argument("--out", type=Path, help="write metrics.json, report.md and per-query scores here")
    p.add_argument("--cache", type=Path, default=Path("eval/cache"), help="where the indexes are kept")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                   help="override a setting for this run, e.g. --set partner_prior=0.5 (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=lambda args: _eval_partners(args, make_engine))


def _eval_partners(args: argparse.Namespace, make_engine: MakeEngine) -> int:
    from .partners.command import run

    if args.index is not None:
        raise ValueError("eval-partners keeps its indexes under --cache; --index does not apply")
    return run(args, make_engine(args, **dict(_pair(item) for item in args.settings)).settings)


def _add_eval_recommendations(sub: Any, common: argparse.ArgumentParser, make_engine: MakeEngine) -> None:
    p = sub.add_parser(
        "eval-recommendations",
        parents=[common],
        help="score recommendation extraction, responses and links on the judged IOM PDFs",
        description="Extract the recommendations of the files the judged sets of eval/recommendations/ name and "
        "score precision, recall, right page, addressees, right status and links, on the development and the "
        "held-out set; with --search, how the recommendation search finds a recommendation from a restatement "
        "of it; with --roles, whether the addressee/responsible role weights help partner suggestion. "
        "See eval/recommendations.py and eval/recommendation_roles.py.",
    )
    p.add_argument("--pdfs", type=Path, default=Path("../shared/data/iom-pdfs"), help="folder of the IOM PDFs")
    p.add_argument("--seeds", type=Path, default=Path("../shared/seeds"), help="folder of the GFMD seed texts (held out)")
    p.add_argument("--search", action="store_true", help="also measure the search (over --index, an index of --pdfs)")
    p.add_argument("--roles", action="store_true",
                   help="also measure the addressee/responsible role weights of partner suggestion (over --index)")
    p.add_argument("--out", type=Path, default=Path("eval/results/recommendations"),
                   help="write metrics.json and report.md here")

    def run(args: argparse.Namespace) -> int:
        import json

        from gfmd_search_eval.recommendation_roles import evaluate_roles
        from gfmd_search_eval.recommendations import evaluate, evaluate_search, write_report

        metrics = evaluate(args.pdfs, args.seeds)
        if args.search:
            metrics["search"] = evaluate_search(make_engine(args))
        if args.roles:
            metrics["roles"] = evaluate_roles(make_engine(args))
        write_report(metrics, args.out)
        brief = {k: metrics[k] for k in ("numbered", "all", "status")}
        print(json.dumps({**brief, "test": metrics["test"]["all"]}, indent=2))
        return 0

    p.set_defaults(run=run)
