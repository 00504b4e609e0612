"""Shared numpydoc text: filled once, and nowhere left unfilled."""

import re

import pytest

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm._docstrings import SHARED, Substitution
from skmgm.granularity import FeatureGroups, MultiGrainedScanner, Pool1D, Pool2D


def test_substitution_fills_fields_and_keeps_doubled_braces():
    @Substitution(extra="text of my own")
    def documented():
        """{extra}; {{literal}}; {passthrough}"""

    assert documented.__doc__.startswith("text of my own; {literal}; passthrough")


@pytest.mark.parametrize(
    "documented",
    [
        MultiGranularityClassifier,
        MultiGranularityClassifier.fit,
        MultiGranularityClassifier.predict,
        MultiGranularityClassifier.predict_proba,
        MultiGranularityClassifier.exit_levels,
        MultiGranularityRegressor,
        MultiGranularityRegressor.fit,
        MultiGranularityRegressor.predict,
        Pool1D,
        Pool2D,
        FeatureGroups,
        MultiGrainedScanner,
    ],
    ids=lambda obj: obj.__qualname__,
)
def test_no_field_is_left_unfilled(documented):
    fields = set(re.findall(r"\{(\w+)\}", documented.__doc__))
    assert not fields & set(SHARED), fields
