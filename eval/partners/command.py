"""`gfmd-search eval-partners`: the command's steps (its arguments are defined in eval/commands.py)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from gfmd_search.app import Engine
from gfmd_search.config import Settings
from gfmd_search.partners import ModelChoice, choose_model

from .curve import learning_curve
from .records import Judged, iom_queries, load_records, record_document
from .report import curve_report, ranker_report, table, tuning_json, tuning_report, write_outputs
from .runner import Outcome, cached_engine, evaluate_iom, evaluate_roundtables
from .splits import ensure_split, split_files
from .training import train
from .tuning import tune_iom


def command_line(args: Any) -> str:
    """The command line that repeats this run."""
    parts = ["gfmd-search", "eval-partners"]
    for flag in ("train", "test", "roundtables", "train_ranker", "neighbours", "out"):
        if getattr(args, flag, None):
            parts += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    parts += ["--learning-curve"] if getattr(args, "learning_curve", False) else []
    parts += ["--tune"] if args.tune == "all" else ["--tune", args.tune] if args.tune else []
    parts += [x for item in args.settings for x in ("--set", item)]
    return shlex.join(parts)


def run(args: Any, settings: Settings) -> int:
    """`gfmd-search eval-partners`."""
    progress = not args.quiet
    if args.make_split:
        split = ensure_split(args.split_ids, args.data, args.seed)
        written = split_files(split, load_records(args.data), args.make_split)
        sizes = {k: len(split[k]) for k in ("fit", "tune", "test")}
        print(f"split {args.split_ids} {sizes}; wrote " + ", ".join(str(p) for p in written.values()))
        return 0
    if args.train_ranker:
        return _train_ranker(args, settings, progress)
    if args.learning_curve:
        return _learning_curve(args, settings, progress)
    if (args.train is None) != (args.test is None):
        raise ValueError("--train and --test go together")
    if args.train is None and args.roundtables is None:
        raise ValueError("give --train and --test, --roundtables, --train-ranker FILE or --make-split DIR")
    command = command_line(args)
    if args.tune:
        if args.train is None:
            raise ValueError("--tune needs --train and --test (the tune-train and tune-test files)")
        results = tune_iom(load_records(args.train), load_records(args.test), settings, args.cache,
                           None if args.tune == "all" else {}, progress)
        text = tuning_report(results, settings, command)
        print(text)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "tuning.json").write_text(tuning_json(results))
            (args.out / "tuning.md").write_text(text)
            print(f"wrote {args.out}/")
        return 0
    choice = choose_model("ranker" if settings.partner_model == "voting" else settings.partner_model)
    models = ({"ranker": choice} if choice.ranker else {}) | {"voting": ModelChoice(None)}
    if choice.ranker is None:
        print(f"no learned ranker ({choice.problem or 'partner_model is voting'}): evaluating the voting model")
    iom = rts = None
    if args.train is not None:
        iom = evaluate_iom(load_records(args.train), load_records(args.test), settings, models, args.neighbours,
                           args.cache, progress)
        _print("IOM evaluations (donors of test records)", iom)
    if args.roundtables is not None:
        meetings = json.loads(Path(args.roundtables).read_text(encoding="utf-8"))
        rts = evaluate_roundtables(meetings, settings, models, args.neighbours, args.cache, progress)
        _print("GFMD roundtables (teams of held-back sessions)", rts)
    if args.out:
        write_outputs(args.out, iom, rts, settings, command)
        print(f"wrote {args.out}/")
    return 0


def _train_ranker(args: Any, settings: Settings, progress: bool) -> int:
    """Train the learned ranker on the --train records and save it to --train-ranker."""
    engine, queries, judged = _training_queries(args, settings, progress, "--train-ranker")
    ranker, cv = train(engine, queries, judged, progress=progress)
    ranker.save(args.train_ranker)
    _report(args, ranker_report(cv, ranker, command_line(args)), "training.md", "cross-validation.json", cv)
    print(f"saved the ranker {ranker.version} to {args.train_ranker}")
    return 0


def _learning_curve(args: Any, settings: Settings, progress: bool) -> int:
    """The learning curve of the packaged ranker's settings against the nearest-neighbour vote."""
    choice = choose_model("ranker")
    if choice.ranker is None:
        raise ValueError(f"--learning-curve uses the packaged ranker's settings: {choice.problem}")
    engine, queries, judged = _training_queries(args, settings, progress, "--learning-curve")
    rows = learning_curve(engine, queries, judged, choice.ranker, args.neighbours, progress=progress)
    _report(args, curve_report(rows, choice.ranker, args.neighbours, command_line(args)), "curve.md", "curve.json", rows)
    return 0


def _training_queries(args: Any, settings: Settings, progress: bool, flag: str) -> tuple[Engine, dict[str, str], Judged]:
    """An engine over the --train records, and those records with a real donor as queries and judgments."""
    if args.train is None:
        raise ValueError(f"{flag} needs --train (the records to learn from)")
    records = load_records(args.train)
    engine = cached_engine("iom", [record_document(r) for r in records], settings, args.cache, progress)
    queries, judged, _ = iom_queries(records)
    return engine, queries, judged


def _report(args: Any, text: str, markdown: str, data_file: str, data: Any) -> None:
    """Print a report; with --out, write it and its data (JSON) there."""
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / markdown).write_text(text)
        (args.out / data_file).write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {args.out}/")


def _print(title: str, outcome: Outcome) -> None:
    s = outcome.summary
    print(title)
    print(table(outcome.metrics))
    ratios = ", ".join(f"{m} {r:.2f}×" for m, r in s["ratio_to_best_baseline"].items())
    print(f"MAP / best baseline ({s['best_baseline']}): {ratios}; {s['queries']} queries")
