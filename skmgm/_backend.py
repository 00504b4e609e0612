"""The joblib backend a fit runs on, and what a cluster backend needs.

This is the only module that looks inside joblib: which backend is active
(``joblib.parallel.get_active_backend``), whether it sends tasks to a cluster,
and the Dask client it holds. Everything else sees an :class:`ActiveBackend`.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from numbers import Integral
from typing import Any

from joblib import parallel_config
from joblib.parallel import get_active_backend

from skmgm._compat import Interval, _get_threadpool_controller

# ``n_jobs`` as joblib reads it (None, or any number of workers but 0), so
# that 0 is refused by name at fit, as any bad parameter, not by joblib.
N_JOBS_CONSTRAINT = [
    None,
    Interval(Integral, 1, None, closed="left"),
    Interval(Integral, None, -1, closed="right"),
]

# (module, class) of the joblib backends that send tasks to other machines.
# They are looked up in ``sys.modules`` only: a backend that is active has
# been imported, and skmgm never imports Dask or Ray itself.
_DASK = ("joblib._dask", "DaskDistributedBackend")
_RAY = ("ray.util.joblib.ray_backend", "RayBackend")


def _is_instance_of(backend, module_and_class):
    module = sys.modules.get(module_and_class[0])
    cls = getattr(module, module_and_class[1], None)
    return cls is not None and isinstance(backend, cls)


@dataclass(frozen=True)
class ActiveBackend:
    """The joblib backend in force where a fit runs.

    Parameters
    ----------
    backend : joblib ParallelBackendBase
        joblib's backend object.
    """

    backend: Any

    @property
    def is_dask(self) -> bool:
        return _is_instance_of(self.backend, _DASK)

    @property
    def on_cluster(self) -> bool:
        """Whether tasks run on a cluster's workers (Dask or Ray)."""
        return self.is_dask or _is_instance_of(self.backend, _RAY)

    @property
    def streams_results(self) -> bool:
        """Whether results can be taken as tasks finish (Ray's cannot)."""
        return bool(self.backend.supports_return_generator)

    def n_jobs(self, n_jobs: int | None) -> int | None:
        """``n_jobs`` for the plan: all of a cluster when left to ``None``.

        Ray's joblib backend would otherwise run one task at a time.
        """
        return -1 if n_jobs is None and self.on_cluster else n_jobs

    @contextmanager
    def data_on_every_worker(self, arrays: list):
        """A context giving what tasks receive for each of ``arrays``: on
        Dask, a future of the array sent to every worker up front; elsewhere,
        the array.

        joblib's Dask backend would otherwise scatter each array to one worker
        when a task first needs it: a task elsewhere fetches it from there, and
        if that worker dies the only copy goes with it and the fit fails. Its
        own up-front ``scatter`` keys the data by content, so a second fit on
        the same arrays reuses the keys the first fit's futures are releasing,
        and its tasks can lose their data ("lost dependencies"); unique keys
        (``hash=False``), released when the plan is done, cannot collide.
        """
        if not self.is_dask:
            yield lambda array: array
            return
        client = self.backend.client
        unique = list({id(array): array for array in arrays}.values())
        futures = client.scatter(unique, broadcast=True, hash=False)
        by_id = {id(array): future for array, future in zip(unique, futures)}
        try:
            yield lambda array: by_id.get(id(array), array)
        finally:
            client.cancel(futures)


def active_backend() -> ActiveBackend:
    """The backend of the innermost ``joblib.parallel_config`` (loky if none)."""
    return ActiveBackend(get_active_backend()[0])


def inner_parallelism_in_threads(on_cluster: bool, n_threads: int = 1):
    """Inside a task: run an estimator's own parallelism in this task's threads.

    On a cluster backend, a forest's ``n_jobs`` would otherwise go back to the
    cluster as one tiny task per tree. Elsewhere, a task that has
    ``n_threads`` cores to itself (its call has fewer tasks than workers: a
    stage of a staged fit) lends them to what leaves ``n_jobs=None`` to
    joblib, such as a forest's trees or a ``FeatureUnion``'s parts; an
    ``n_jobs`` set by the user is kept.
    """
    if on_cluster:
        return parallel_config(backend="threading")
    if n_threads > 1:
        return parallel_config(backend="threading", n_jobs=n_threads)
    return nullcontext()


# Threads a predict lends to the kernel views it computes where it is called.
_VIEW_THREADS: ContextVar[int | None] = ContextVar("skmgm_view_threads", default=None)


@contextmanager
def threads_for_kernel_views(n_threads: int):
    """Lend ``n_threads`` to the kernel views' chunks (and nothing else) that
    leave ``n_jobs=None``.

    Unlike :func:`inner_parallelism_in_threads`, this leaves joblib's own
    configuration alone: on 450 to 2,000 rows a forest's predict, one
    threaded task per tree, was 2 to 3 times slower on two threads than on
    one, while a kernel view's chunks gain from about 15,000 values on
    (``benchmarks/bench_predict_rows.py``).
    """
    token = _VIEW_THREADS.set(n_threads)
    try:
        yield
    finally:
        _VIEW_THREADS.reset(token)


def kernel_view_n_jobs(n_jobs: int | None) -> int | None:
    """A kernel view's ``n_jobs``: its own, else the threads lent to it by
    :func:`threads_for_kernel_views`, else ``None`` (joblib's configuration)."""
    return _VIEW_THREADS.get() if n_jobs is None else n_jobs


def blas_on_one_thread():
    """A context in which BLAS keeps to one thread, through scikit-learn's
    thread-pool controller, which finds the libraries loaded once: looking
    for them takes a millisecond, and a predict may take a few."""
    return _get_threadpool_controller().limit(limits=1, user_api="blas")
