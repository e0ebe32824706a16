"""Executors for :func:`kg.ingest.ingest` beyond this machine: a Dask cluster.

``connect("tcp://HOST:8786")`` joins a running ``dask scheduler``;
``connect("local", workers=N)`` starts a ``LocalCluster`` of N worker
processes. Either way ingest gets a :class:`concurrent.futures.Executor`
(Dask's own ``ClientExecutor``): the workers read the files themselves (shared
paths or fsspec URLs), and a worker that dies has its tasks run again
elsewhere by the scheduler. How to run a cluster: docs/scaling.md.
"""
from __future__ import annotations

import logging
import os
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

__all__ = ["DaskUnavailable", "Cluster", "connect", "worker_version"]

#: Seconds to wait for the scheduler, and then for its first worker.
CONNECT_TIMEOUT = 30


class DaskUnavailable(Exception):
    """The cluster cannot be used; the message says why, for a user."""


def worker_version() -> str:
    """legal-kg's version in the process this runs in (a worker)."""
    import kg

    return kg.__version__


@dataclass
class Cluster:
    """A Dask client, its executor, and the worker threads it has."""

    client: Any
    executor: Executor
    workers: int
    local: Any = None  # the LocalCluster we started, if any

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()


def connect(scheduler: str, workers: int | None = None, timeout: float = CONNECT_TIMEOUT) -> Cluster:
    """A client of the Dask scheduler at ``scheduler`` (``tcp://HOST:PORT``), or of a new
    ``LocalCluster`` of ``workers`` processes when ``scheduler`` is ``"local"``.

    Raises :class:`DaskUnavailable` when Dask is missing, the scheduler cannot
    be reached, no worker joins, or a worker runs another legal-kg version.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskUnavailable("--scheduler needs Dask: pip install 'legal-kg[dask]'") from None
    logging.getLogger("distributed").setLevel(logging.ERROR)  # its own lines would break the progress bar
    local = None
    try:
        if scheduler == "local":
            local = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                 dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(local)
        else:
            client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as e:
        if local is not None:
            local.close()
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
        check_versions(client)
    except (DaskUnavailable, TimeoutError) as e:
        client.close()
        if local is not None:
            local.close()
        if isinstance(e, DaskUnavailable):
            raise
        raise DaskUnavailable(f"no Dask worker joined {scheduler} within {timeout:g} s") from None
    threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
    return Cluster(client, client.get_executor(pure=False), max(1, threads), local)


def check_versions(client) -> None:
    """Refuse a cluster whose workers do not all run this legal-kg version.

    (Each task checks again, for workers that join later: see
    :func:`kg.ingest.check_version`.)
    """
    from kg import __version__

    answers = client.run(worker_version, on_error="return")
    for address, version in sorted(answers.items()):
        if isinstance(version, BaseException):
            raise DaskUnavailable(f"Dask worker {address} cannot run legal-kg: {type(version).__name__}: {version}")
        if version != __version__:
            raise DaskUnavailable(f"Dask worker {address} runs legal-kg {version}, this client {__version__}: "
                                  "install the same version on every worker")
