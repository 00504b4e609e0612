"""Shared by the benchmark scripts: machine facts and README tables."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def start_workers(n_jobs: int) -> None:
    """Start joblib's worker pool, so that the first timed fit does not pay."""
    from sklearn.utils.parallel import Parallel, delayed

    Parallel(n_jobs=n_jobs)(delayed(abs)(i) for i in range(2 * (os.cpu_count() or 1)))


def machine() -> dict:
    return {"cores": os.cpu_count(), "cpu": cpu_model()}


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
