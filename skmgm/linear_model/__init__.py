"""Linear models that keep their own held-out predictions.

Their leave-one-out predictions, computed in closed form while the penalty is
chosen, let a multi-granularity estimator fit a level once instead of once per
fold (its ``out_of_bag="auto"``).
"""

from skmgm.linear_model._ridge import LeaveOneOutRidge, LeaveOneOutRidgeClassifier

__all__ = ["LeaveOneOutRidge", "LeaveOneOutRidgeClassifier"]
