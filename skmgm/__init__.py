"""skmgm: multi-granularity learning for scikit-learn."""

from skmgm._classifier import MultiGranularityClassifier
from skmgm._presets import make_image_levels, make_series_levels
from skmgm._regressor import MultiGranularityRegressor
from skmgm.granularity import make_levels

__version__ = "0.1.0"

__all__ = [
    "MultiGranularityClassifier",
    "MultiGranularityRegressor",
    "__version__",
    "make_image_levels",
    "make_levels",
    "make_series_levels",
]
