"""Granularity views: scikit-learn transformers that coarsen the input."""

from skmgm.granularity._pooling import Pool1D, Pool2D

__all__ = ["Pool1D", "Pool2D"]
