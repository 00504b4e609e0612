"""Shared by the benchmarks: where results go, machine facts, table helpers."""

from __future__ import annotations

import os
import platform
import re
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results"
# --quick writes here unless told otherwise, so the committed full results stay.
QUICK_RESULTS = RESULTS / "quick"


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> dict:
    return {"cores": os.cpu_count(), "cpu": cpu_model()}


def versions(packages=("mlxtend", "sktime", "aeon", "matplotlib")) -> dict:
    """Versions of Python, skmgm, its dependencies and the peers' packages."""
    import joblib
    import numpy as np
    import sklearn

    import skmgm

    found = {
        "python": platform.python_version(),
        "skmgm": skmgm.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }
    for package in packages:
        try:
            found[package] = __import__(package).__version__
        except ImportError:
            found[package] = "not installed"
    found["deep-forest"] = "not installable here (no build for this Python)"
    return found


def replace_readme_block(name: str, table: str) -> None:
    """Rewrite the README between ``<!-- name -->`` and ``<!-- /name -->``.

    So that no figure in the README is typed by hand.
    """
    text = README.read_text()
    pattern = rf"<!-- {name} -->.*?<!-- /{name} -->"
    if not re.search(pattern, text, flags=re.S):
        raise ValueError(f"README.md has no <!-- {name} --> block to rewrite.")
    block = f"<!-- {name} -->\n{table}\n<!-- /{name} -->"
    README.write_text(re.sub(pattern, lambda _: block, text, flags=re.S))


def markdown(header: list, lines: list) -> str:
    """A Markdown table: the header, its rule, then one row per list."""
    rows = [header, ["---"] * len(header), *lines]
    return "\n".join("| " + " | ".join(str(c) for c in row) + " |" for row in rows)


def of(rows: list, benchmark: str, **match) -> list:
    """The rows of ``benchmark`` whose fields equal ``match``."""
    return [
        row
        for row in rows
        if row["benchmark"] == benchmark
        and all(row.get(key) == value for key, value in match.items())
    ]


def distinct(rows: list, key: str) -> list:
    """The values of ``key`` in ``rows``, in order of appearance."""
    return list(dict.fromkeys(row[key] for row in rows))


def mean(rows: list, key: str) -> float:
    return statistics.mean(row[key] for row in rows)


def median(rows: list, key: str) -> float:
    return statistics.median(row[key] for row in rows)


def spread(rows: list, key: str) -> float:
    return statistics.pstdev(row[key] for row in rows)
