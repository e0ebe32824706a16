"""A real Dask cluster on loopback: a `dask scheduler` and `dask worker` processes, started and stopped here.

Each worker runs without a nanny (``--no-nanny``), so that killing its
process kills the worker for good, as when a machine dies.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DaskCluster:
    """A scheduler's address and the worker processes attached to it."""

    home: Path
    address: str = ""
    scheduler: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    #: The environment of the processes (else this one's): where workers find store credentials.
    env: dict[str, str] | None = None

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        env = {k: v for k, v in (self.env if self.env is not None else os.environ).items() if not k.startswith("DASK_")}
        with open(self.home / log, "ab") as out:
            return subprocess.Popen([str(DASK), *args], cwd=self.home, env=env, stdout=out, stderr=out,
                                    start_new_session=True)

    def start(self, workers: int = 2) -> DaskCluster:
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                     "scheduler.log")
        for _ in range(workers):
            self.add_worker()
        if workers:
            self.wait_for(workers)
        return self

    def add_worker(self, *extra: str) -> subprocess.Popen:
        n = len(self.workers)
        proc = self._spawn(["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                            "--host", "127.0.0.1", "--name", f"w{n}", "--local-directory", str(self.home / f"w{n}"),
                            *extra], f"worker{n}.log")
        self.workers.append(proc)
        return proc

    def wait_for(self, n: int) -> None:
        """Wait until the scheduler counts ``n`` workers."""
        from distributed import Client

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with Client(self.address, timeout=5) as client:
                    client.wait_for_workers(n, timeout=max(1, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in self.home.glob("*.log"))
                    pytest.fail(f"Dask cluster did not start with {n} workers:\n{logs}")
                time.sleep(0.5)

    def kill_busy_worker(self) -> None:
        """SIGKILL the worker process that has tasks in hand right now (a machine dies)."""
        from distributed import Client

        with Client(self.address, timeout=10) as client:
            pids = client.run(os.getpid)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                busy = [address for address, keys in client.processing().items() if keys]
                if busy:
                    victim = next(w for w in self.workers if w.pid == pids[busy[0]])
                    os.killpg(victim.pid, signal.SIGKILL)
                    victim.wait(10)
                    return
                time.sleep(0.01)
        pytest.fail("no worker had a task in hand")

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            if proc is None:
                continue
            try:  # a worker may wait on a task (a store server gone) or its close: not for long
                proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(15)


@pytest.fixture
def dask_cluster(tmp_path_factory):
    """A scheduler and two single-thread workers on loopback, for one test."""
    cluster = DaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        yield cluster.start(2)
    finally:
        cluster.stop()
