"""Plot each figure of the scale benchmark runs against the number of passages.

    python benchmarks/plot_scale.py [--runs benchmarks/results/scale]

Reads every `*.json` run of scale_bench.py in the folder and writes `scale.png` and `scale.md`
(the table of the runs, with the goals at one million passages) beside them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
FIGURES = {
    "add_document_s": "≤ 2 s", "add_document_first_s": "", "remove_document_s": "", "merge_s": "", "open_s": "",
    "hybrid_p50_ms_beyond_encode": "", "hybrid_p99_ms_beyond_encode": "≤ 20 ms",
    "filtered_hybrid_p50_ms_beyond_encode": "", "dense_recall_at_10": "≥ 0.95",
    "server_peak_rss_mb": "≤ 4,096 MB", "server_rss_anon_mb": "", "bytes_per_chunk": "",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=ROOT / "benchmarks" / "results" / "scale")
    args = parser.parse_args()
    runs = sorted((json.loads(p.read_text()) for p in args.runs.glob("*.json") if "chunks" in p.read_text()
                   and "add_document_s" in p.read_text()), key=lambda r: r["chunks"])
    sizes = [r["chunks"] for r in runs]
    fig, axes = plt.subplots(2, 6, figsize=(24, 7))
    for ax in axes.flat[len(FIGURES):]:
        ax.axis("off")
    for ax, key in zip(axes.flat, FIGURES):
        ax.plot(sizes, [r[key] for r in runs], marker="o")
        ax.set_xscale("log")
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("passages")
    fig.tight_layout()
    fig.savefig(args.runs / "scale.png", dpi=80)
    lines = ["| figure | " + " | ".join(f"{n:,}" for n in sizes) + " | goal at 1M |",
             "|---|" + "---:|" * len(sizes) + "---|"]
    lines += [f"| `{key}` | " + " | ".join(f"{r[key]:,}" for r in runs) + f" | {goal} |" for key, goal in FIGURES.items()]
    (args.runs / "scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
