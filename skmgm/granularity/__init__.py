"""Granularity views: scikit-learn transformers that coarsen the input.

For value granularity (binned features) use scikit-learn's
:class:`~sklearn.preprocessing.KBinsDiscretizer` as a level's granularity.
"""

from skmgm.granularity._competing import CompetingKernels, SparseScaler
from skmgm.granularity._groups import FeatureGroups
from skmgm.granularity._kernels import DilatedKernels
from skmgm.granularity._levels import make_levels
from skmgm.granularity._pooling import Pool1D, Pool2D
from skmgm.granularity._scanning import MultiGrainedScanner
from skmgm.granularity._series import Derivative, IntervalQuantiles, Spectrum
from skmgm.granularity._shifts import ShiftAugmented

__all__ = [
    "CompetingKernels",
    "Derivative",
    "DilatedKernels",
    "FeatureGroups",
    "IntervalQuantiles",
    "MultiGrainedScanner",
    "Pool1D",
    "Pool2D",
    "ShiftAugmented",
    "SparseScaler",
    "Spectrum",
    "make_levels",
]
