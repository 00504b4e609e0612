"""skmgm's series preset on the UCR data sets with the most training rows.

The data sets: every one of the 2023 bake-off's whose UCR files are
installed here, outside the development panel, with more than 1,000
training rows (a rule fixed before any of them was scored; the panel's sets
and the unseen sets of ``bench_ucr_unseen.py`` hold at most 600). Official
train/test splits, one seed: ``MultiGranularityClassifier(
make_series_levels(random_state=0), final_estimator="vote")``, aeon's
``MiniRocketClassifier`` and ``MultiRocketClassifier``, all at ``n_jobs`` =
the cores, fitted in turn on the same data (aeon's models fitted once before
timing); beside them the published accuracies of HIVE-COTE 2,
MultiRocket-Hydra and ROCKET on the same splits. What it shows is the cost
of more rows: the preset's ridge levels, as the ROCKET family's ridge,
decompose a rows-by-rows matrix, whose cost grows with the cube of the rows.
"""

from __future__ import annotations

from functools import partial

from _cases import UCR_PANEL, bakeoff_training_shapes
from _report import markdown
from bench_ucr import PRESET, RIVAL, score_contenders, summarise, table, versus_table

NAME = "ucr_large"
TITLE = "UCR data sets with the most training rows: the series preset at scale"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
MIN_TRAINING_ROWS = 1_000
CONTENDERS = (PRESET, "aeon MiniRocketClassifier", RIVAL)


def large_datasets() -> list:
    """The bake-off's data sets installed here, off the panel, with more than
    ``MIN_TRAINING_ROWS`` training rows, fewest rows first."""
    rows = {
        name: shape[0]
        for name, shape in bakeoff_training_shapes().items()
        if name not in UCR_PANEL and shape[0] > MIN_TRAINING_ROWS
    }
    return sorted(rows, key=lambda name: (rows[name], name))


def run(quick: bool, n_jobs: int) -> list:
    datasets = large_datasets()[:1] if quick else large_datasets()
    return score_contenders(NAME, datasets, [0], n_jobs, CONTENDERS)


def per_set_table(rows: list) -> str:
    """Per data set: its training rows, each model's test accuracy and fit
    seconds (published models: accuracy only)."""
    datasets, summary = summarise(rows, NAME)
    shapes = bakeoff_training_shapes()
    lines = [
        [d, "{} x {}".format(*shapes[d]),
         *(f"{s['per_set'][i]:.3f}" if s["fit_s"] is None
           else f"{s['per_set'][i]:.3f} in {s['per_set_fit_s'][i]:.1f} s"
           for s in summary.values())]
        for i, d in enumerate(datasets)
    ]  # fmt: skip
    names = [m.replace(" (published)", " (*published*)") for m in summary]
    return markdown(["data set", "training rows x length", *names], lines)


table = partial(table, benchmark=NAME)
details = per_set_table
README_BLOCKS = {
    "ucr_large": per_set_table,
    "ucr_large_versus": partial(versus_table, benchmark=NAME),
}
