"""The committed split of the IOM records into fit / tune / test, and the record files of its runs.

`eval/partners/split.json` holds the record ids of a seeded random split; the data stay in
../shared. The final run indexes train (fit + tune) and queries test; tuning indexes fit and
queries tune.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from .records import Record, load_records

SPLIT_SEED = 2024
TEST_SHARE, TUNE_SHARE = 0.2, 0.2


def make_split(
    records: list[Record], seed: int = SPLIT_SEED, test: float = TEST_SHARE, tune: float = TUNE_SHARE
) -> dict[str, Any]:
    """A seeded random split of record ids: `test` of all, `tune` of the rest, the rest `fit`."""
    ids = sorted(str(r["id"]) for r in records)
    random.Random(seed).shuffle(ids)
    n_test = round(len(ids) * test)
    n_tune = round((len(ids) - n_test) * tune)
    return {
        "seed": seed,
        "about": "IOM evaluation record ids (../shared/data/iom-evaluations/evaluations.json): "
        "tune on fit->tune, report train (fit+tune)->test",
        "test": sorted(ids[:n_test]),
        "tune": sorted(ids[n_test:n_test + n_tune]),
        "fit": sorted(ids[n_test + n_tune:]),
    }


def split_files(split: dict[str, Any], records: list[Record], out: Path) -> dict[str, Path]:
    """Write the record files of a split: train/test (final run) and tune-train/tune-test (tuning)."""
    by_id = {str(r["id"]): r for r in records}
    missing = [i for part in ("fit", "tune", "test") for i in split[part] if i not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} split ids are not in the records, e.g. {missing[0]}")
    parts = {
        "train": split["fit"] + split["tune"],
        "test": split["test"],
        "tune-train": split["fit"],
        "tune-test": split["tune"],
    }
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, ids in parts.items():
        written[name] = out / f"{name}.json"
        written[name].write_text(json.dumps([by_id[i] for i in ids], indent=1, ensure_ascii=False) + "\n")
    return written


def ensure_split(split_path: Path, data: Path, seed: int = SPLIT_SEED) -> dict[str, Any]:
    """The committed split, created from the data on first use."""
    if split_path.is_file():
        return json.loads(split_path.read_text())
    split = make_split(load_records(data), seed)
    split_path.parent.mkdir(parents=True, exist_ok=True)
    split_path.write_text(json.dumps(split, indent=1) + "\n")
    return split
