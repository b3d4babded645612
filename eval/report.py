"""The outputs of an evaluation: metrics.json, run.json, report.md, chart.png and TREC runs."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

from gfmd_search.config import MODES

from .datasets import Qrels, Run, trec
from .markdown import markdown_table
from .runner import METRICS, Evaluation, ranx_run

P_VALUE = 0.05
"""Significance level of the paired tests between modes."""


def write(evaluation: Evaluation, out: Path, command: str) -> list[Path]:
    """Write every output of an evaluation to `out` (TREC run files for the search modes)."""
    out.mkdir(parents=True, exist_ok=True)
    runs, metrics = evaluation.runs, evaluation.metrics
    summary = {**evaluation.summary(), "machine": machine(), "command": command}
    written = [out / "metrics.json", out / "run.json", out / "report.md", out / "chart.png"]
    written[0].write_text(json.dumps(metrics, indent=2) + "\n")
    written[1].write_text(json.dumps(summary, indent=2) + "\n")
    written[2].write_text(markdown(metrics, summary, significance(evaluation.collection.qrels, runs)))
    chart(metrics, f"{summary['dataset']} ({summary['split']})", written[3])
    for mode in [m for m in runs if m in MODES]:
        written.append(out / f"{mode}.trec")
        trec.write_run(runs[mode], written[-1], f"gfmd-{mode}")
    return written


def table(metrics: dict[str, dict[str, float]], marks: dict[str, dict[str, str]] | None = None) -> str:
    """A Markdown table: one row per run, one column per metric."""
    rows = [
        [name, *(f"{values[m]:.4f}{(marks or {}).get(name, {}).get(m, '')}" for m in METRICS)]
        for name, values in metrics.items()
    ]
    return "\n".join(markdown_table(["run", *METRICS], rows)) + "\n"


def significance(qrels: Qrels, runs: dict[str, Run]) -> dict[str, Any]:
    """Paired Student t-tests between every two runs on every metric (ranx compare)."""
    from ranx import Qrels as RanxQrels
    from ranx import compare

    if len(runs) < 2:
        return {}
    report = compare(
        RanxQrels(qrels),
        [ranx_run(run, name) for name, run in runs.items()],
        list(METRICS),
        stat_test="student",
        max_p=P_VALUE,
        make_comparable=True,
        rounding_digits=4,
    )
    return report.to_dict()


def markdown(metrics: dict[str, dict[str, float]], summary: dict[str, Any], tests: dict[str, Any]) -> str:
    """The report: settings, the table with significance marks, and the p-values."""
    names = list(metrics)
    letters = {name: chr(ord("a") + i) for i, name in enumerate(names)}
    marks = {name: {m: _beaten(name, m, metrics, tests, letters) for m in METRICS} for name in names} if tests else {}
    s = summary
    lines = [
        f"# {s['dataset']}: retrieval quality ({s['split']} split)",
        "",
        f"{s['queries']} queries, {s['judgments']} judgments; model `{s['model']}`.",
        f"Machine: {s['machine']['cpu']}, {s['machine']['cores']} cores ({s['machine']['platform']}).",
        f"Time: {_times(s['seconds'])}; chunks embedded {s['chunks_embedded']}, reused {s['chunks_reused']}.",
        f"Command: `{s['command']}`",
        "",
        table(metrics, marks),
    ]
    if tests:
        lines += [
            f"Runs are lettered {', '.join(f'{letters[n]} = {n}' for n in names)}. A letter after a score: "
            f"significantly better than that run (paired Student t-test over queries, p < {P_VALUE}).",
            "",
        ]
        pairs = [(m, a, b) for m in METRICS for i, a in enumerate(names) for b in names[i + 1 :]]
        lines += markdown_table(
            ["metric", "pair", "p-value"],
            [(m, f"{a} vs {b}", f"{tests[a]['comparisons'][b][m]:.4g}") for m, a, b in pairs],
            "llr",
        )
        lines.append("")
    lines += ["## Settings", "", "```json", json.dumps(s["settings"], indent=2), "```", ""]
    return "\n".join(lines)


def chart(metrics: dict[str, dict[str, float]], title: str, path: Path) -> None:
    """A grouped bar chart of every metric by run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(metrics)
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, name in enumerate(names):
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(METRICS))]
        bars = ax.bar(xs, [metrics[name][m] for m in METRICS], width, label=name)
        ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=2)
    ax.set_xticks(range(len(METRICS)), METRICS)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(title)
    ax.legend(loc="upper left", ncols=len(names), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def machine() -> dict[str, Any]:
    """The CPU model, core count and platform the run took place on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(terse=True)}


def _beaten(
    name: str, metric: str, metrics: dict[str, dict[str, float]], tests: dict[str, Any], letters: dict[str, str]
) -> str:
    """The letters of the runs `name` is significantly better than on `metric`, as " (bc)"."""
    beaten = "".join(
        letters[other]
        for other in letters
        if other != name
        and tests[name]["comparisons"][other][metric] < P_VALUE
        and metrics[name][metric] > metrics[other][metric]
    )
    return f" ({beaten})" if beaten else ""


def _times(seconds: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items())
