"""Looking inside a fitted multi-granularity estimator (matplotlib optional)."""

from skmgm.inspection._display import GranularityDisplay, level_usage

__all__ = ["GranularityDisplay", "level_usage"]
