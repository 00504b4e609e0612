"""The README's headline: each preset against the best peers of its kind."""

from __future__ import annotations

import bench_digits
import bench_ucr
import bench_ucr_large
import bench_ucr_unseen
from _report import markdown, mean, median, of

# The benchmarks whose rows the headline reads.
BENCHMARKS = (
    bench_ucr.NAME,
    bench_ucr_unseen.NAME,
    bench_ucr_large.NAME,
    bench_digits.NAME,
)


def _ucr_cells(rows, benchmark, what):
    """The series preset's row on the data sets of ``benchmark``, which
    ``what`` names."""
    datasets, summary = bench_ucr.summarise(rows, benchmark)
    if bench_ucr.PRESET not in summary:
        return None
    ours = summary[bench_ucr.PRESET]
    measured = {m: s for m, s in summary.items() if m != bench_ucr.PRESET}
    peers = [
        f"{m}: {s['accuracy']:.3f} in {s['fit_s']:.2f} s"
        for m, s in measured.items()
        if s["fit_s"] is not None and "aeon" in m
    ]
    published = [
        f"{m.replace(' (published)', '')} {s['accuracy']:.3f}"
        for m, s in measured.items()
        if s["fit_s"] is None
    ]
    return [
        f"{what} ({len(datasets)} series data sets, mean accuracy, median fit)",
        f"{ours['accuracy']:.3f} in {ours['fit_s']:.2f} s",
        "; ".join(peers),
        ", ".join(published),
    ]


def _digits_cells(rows):
    found = of(rows, bench_digits.NAME)
    ours = of(found, bench_digits.NAME, model=bench_digits.MODEL)
    if not ours:
        return None
    peer = of(found, bench_digits.NAME, model=bench_digits.PEER)
    published = of(found, bench_digits.NAME, model=bench_digits.PUBLISHED)
    return [
        f"digits, deep-forest's split ({len(ours)} seeds, mean accuracy, median fit)",
        f"{mean(ours, 'score'):.4f} in {median(ours, 'fit_s'):.1f} s",
        f"{bench_digits.PEER}: {mean(peer, 'score'):.4f} in "
        f"{median(peer, 'fit_s'):.1f} s"
        if peer
        else "",
        f"deep-forest {published[0]['score']:.4f}" if published else "",
    ]


def headline(rows: list) -> str:
    ucr_rows = [
        _ucr_cells(rows, bench_ucr.NAME, "UCR development panel"),
        _ucr_cells(
            rows,
            bench_ucr_unseen.NAME,
            "UCR outside the panel, not used to choose the preset, one seed",
        ),
        _ucr_cells(
            rows,
            bench_ucr_large.NAME,
            "UCR with more than 1,000 training rows, outside the panel, one seed",
        ),
    ]
    lines = [cells for cells in (*ucr_rows, _digits_cells(rows)) if cells]
    header = ["data", "skmgm preset", "peers, same run, same cores", "published"]
    return markdown(header, lines)
