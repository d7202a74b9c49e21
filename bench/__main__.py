"""`python -m bench --scale small|medium|large [--seconds 10] [--skip-generate] [--sqlite]`:
generate the dataset (or load `bench/results/dataset-<scale>.json`), run the load, print the
table and each target met (✓) or missed (✗)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import plans
from bench.dataset import SCALES, Dataset
from bench.run import run, targets_table

RESULTS = Path("bench/results")


def dataset_path(scale: str) -> Path:
    if scale == "dev":  # bench/dev_dataset.py's stand-in, not the generator's
        return RESULTS / "bench-dataset-dev.json"
    return RESULTS / f"dataset-{scale}.json"


def get_dataset(scale: str, skip_generate: bool) -> Dataset:
    path = dataset_path(scale)
    if skip_generate or scale == "dev":
        if not path.exists():
            raise SystemExit(f"{path} is not there: run without --skip-generate first"
                             + (" (or `python -m bench.dev_dataset`)" if scale == "dev" else ""))
        return Dataset.load(path)
    from bench.generate import generate  # the other half of the benchmark

    return generate(scale)  # it writes bench/results/dataset-<scale>.json too


def sqlite_copy(dataset: Dataset) -> Dataset:
    """The same data in a SQLite file (bench.generate writes PostgreSQL only)."""
    from bench.run_sqlite import copy_to_sqlite

    target = Path(tempfile.gettempdir()) / f"chairside-bench-{dataset.scale}.sqlite3"
    return copy_to_sqlite(dataset, target)


def side_by_side(postgres: dict[str, Any], sqlite: dict[str, Any]) -> str:
    lines = ["| scenario | PostgreSQL c1 median ms | SQLite c1 median ms | PostgreSQL c8 req/s "
             "| SQLite c8 req/s |", "|---|--:|--:|--:|--:|"]
    for name, entry in sqlite["scenarios"].items():
        other = postgres["scenarios"].get(name)
        if other is None:
            continue

        def rps(e: dict[str, Any]) -> str:
            return f"{e['c8']['rps']:.0f}" if "c8" in e else "–"

        lines.append(f"| {entry['label']} | {other['c1']['median_ms']:.2f} "
                     f"| {entry['c1']['median_ms']:.2f} | {rps(other)} | {rps(entry)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=[*SCALES, "dev"], default="small",
                        help="dev: bench/dev_dataset.py's stand-in (always loaded, not generated)")
    parser.add_argument("--seconds", type=float, default=10, help="measured time per run")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up time per scenario")
    parser.add_argument("--skip-generate", action="store_true",
                        help="load bench/results/dataset-<scale>.json instead of generating")
    parser.add_argument("--sqlite", action="store_true",
                        help="the same scenarios against SQLite (small scale only)")
    parser.add_argument("--only", default="",
                        help="comma-separated scenario names (healthz is always run): e.g. "
                             "calendar_poll,booking_post for the poll's two targets")
    args = parser.parse_args(argv)
    if args.sqlite and args.scale not in ("small", "dev"):
        parser.error("--sqlite is for the small scale only")
    dataset = get_dataset(args.scale, args.skip_generate)
    if args.sqlite:
        dataset = sqlite_copy(dataset)
    only = frozenset(name.strip() for name in args.only.split(",") if name.strip()) or None
    result: dict[str, Any] = run(dataset, seconds=args.seconds, warmup=args.warmup,
                                 out_dir=RESULTS, only=only)
    print()
    print(targets_table(result))
    if not args.sqlite and only is None:
        print(f"plans of the hot queries: {plans.write(dataset, RESULTS)}")
    postgres_result = RESULTS / f"bench-{args.scale}.json"
    if args.sqlite and postgres_result.exists():
        print()
        print(f"SQLite beside PostgreSQL (from {postgres_result}, an earlier run):")
        print(side_by_side(json.loads(postgres_result.read_text()), result))
    return 0 if all(v["met"] for v in result["verdicts"]) else 1


if __name__ == "__main__":
    sys.exit(main())
