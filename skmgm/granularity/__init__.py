"""Granularity views: scikit-learn transformers that coarsen the input.

For value granularity (binned features) use scikit-learn's
:class:`~sklearn.preprocessing.KBinsDiscretizer` as a level's granularity.
"""

from skmgm.granularity._groups import FeatureGroups
from skmgm.granularity._levels import make_levels
from skmgm.granularity._pooling import Pool1D, Pool2D
from skmgm.granularity._scanning import MultiGrainedScanner

__all__ = ["FeatureGroups", "MultiGrainedScanner", "Pool1D", "Pool2D", "make_levels"]
