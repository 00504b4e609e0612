"""The joblib backend a fit runs on, as the plan sees it."""

import pytest
from joblib import parallel_config
from joblib.parallel import get_active_backend

from skmgm._backend import (
    active_backend,
    inner_parallelism_in_threads,
    kernel_view_n_jobs,
    threads_for_kernel_views,
)


@pytest.mark.parametrize("backend", ["loky", "threading", "sequential"])
def test_local_backends_are_not_clusters(backend):
    with parallel_config(backend=backend):
        active = active_backend()
    assert not active.on_cluster and not active.is_dask
    assert active.n_jobs(None) is None  # left to joblib, as scikit-learn does
    assert active.n_jobs(3) == 3
    # Results as tasks finish, where joblib can (not in-process sequential).
    assert active.streams_results == (backend != "sequential")


def test_dask_is_recognised_and_uses_the_whole_cluster():
    distributed = pytest.importorskip("distributed")
    # In-process workers: no sockets, no subprocesses.
    with (
        distributed.Client(processes=False, dashboard_address=None),
        parallel_config(backend="dask"),
    ):
        active = active_backend()
        assert active.is_dask and active.on_cluster
        assert active.n_jobs(None) == -1
        assert active.n_jobs(2) == 2


def test_inner_parallelism_stays_in_threads_on_a_cluster_only():
    with inner_parallelism_in_threads(True):
        assert type(active_backend().backend).__name__ == "ThreadingBackend"
    with parallel_config(backend="loky"), inner_parallelism_in_threads(False):
        assert type(active_backend().backend).__name__ == "LokyBackend"


def test_a_task_with_cores_to_itself_lends_them_as_threads():
    with parallel_config(backend="loky"), inner_parallelism_in_threads(False, 2):
        backend, n_jobs = get_active_backend()
    assert (type(backend).__name__, n_jobs) == ("ThreadingBackend", 2)


def test_threads_lent_to_kernel_views_leave_joblib_alone():
    """Lent threads reach the kernel views that leave ``n_jobs=None``, and
    only them: joblib's configuration (a forest's trees) is the caller's."""
    assert kernel_view_n_jobs(None) is None
    with parallel_config(backend="loky"), threads_for_kernel_views(2):
        assert (kernel_view_n_jobs(None), kernel_view_n_jobs(3)) == (2, 3)
        backend, n_jobs = get_active_backend()
    assert (type(backend).__name__, n_jobs) == ("LokyBackend", None)
    assert kernel_view_n_jobs(None) is None
