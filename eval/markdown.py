"""The one Markdown table writer of the reports (evaluation, tuning, benchmarks)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str | None = None) -> list[str]:
    """The lines of a Markdown table. `align` has one letter a column, `l` or `r` (default: the first
    column left, the others right, as suits a name followed by figures)."""
    align = align or "l" + "r" * (len(header) - 1)
    if len(align) != len(header):
        raise ValueError(f"align {align!r} does not have one letter for each of {len(header)} columns")
    lines = ["| " + " | ".join(header) + " |", "|" + "".join("---:|" if a == "r" else "---|" for a in align)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines
