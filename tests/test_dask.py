"""`kg ingest --scheduler` on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on loopback.

The stores these runs make are compared with a one-process run (`--jobs 1`)
of the same corpus: same counts, same triples.
"""
from __future__ import annotations

import functools
import http.server
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kg import __version__

sys.path.insert(0, str(Path(__file__).parent))

from dask_fixture import DaskCluster  # noqa: E402
from test_ingest import (  # noqa: E402
    ROOT,
    _env,
    err_lines,
    ingest,
    snapshot,
    summary,
    wait_for_stored_reports,
    write_bad_inputs,
    write_reports,
)

from synthetic import write_corpus  # noqa: E402

pytestmark = pytest.mark.slow

FILES = 300  # enough for a run to be caught in its middle


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dask-corpus") / "corpus"
    write_corpus(folder, FILES, seed=7, noise=0.3)
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple:
    """The store of a one-process run: (counts, sorted N-Quads)."""
    store = tmp_path_factory.mktemp("dask-reference") / "store"
    result = ingest(store, corpus, jobs=1, extra=("--quiet",), timeout=600)
    assert result.returncode == 0, result.stderr
    return snapshot(store)[:2]


def test_a_cluster_run_is_a_one_process_run(tmp_path, dask_cluster):
    folder = tmp_path / "in"
    write_reports(folder, 12)
    bad = write_bad_inputs(folder / "bad")
    one = ingest(tmp_path / "one", folder, jobs=1)
    # The address from the environment, as dask's own tools take it.
    cluster = ingest(tmp_path / "cluster", folder, jobs=None, env={**_env(), "DASK_SCHEDULER_ADDRESS": dask_cluster.address})
    assert one.returncode == cluster.returncode == 1
    assert summary(one) == summary(cluster) and summary(cluster)["failed"] == len(bad)
    assert sorted(err_lines(one)) == sorted(err_lines(cluster))
    assert snapshot(tmp_path / "one")[:2] == snapshot(tmp_path / "cluster")[:2]

    again = ingest(tmp_path / "cluster", folder, jobs=None, extra=("--scheduler", dask_cluster.address))
    s = summary(again)
    assert (s["ingested"], s["unchanged"]) == (0, 12)  # the same hash-based skipping


def test_killing_a_worker_mid_run_loses_nothing(tmp_path, corpus, reference, dask_cluster):
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "ingest", "--quiet", "--store", str(store),
                             "--scheduler", dask_cluster.address, str(corpus)], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for_stored_reports(proc, store, timeout=120)
        dask_cluster.kill_busy_worker()  # the machine dies: the tasks in its hands are lost
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert summary(subprocess.CompletedProcess([], 0, out, err))["ingested"] == FILES
    assert snapshot(store)[:2] == reference


def test_killing_the_client_mid_run_then_running_again_duplicates_nothing(tmp_path, corpus, reference,
                                                                           dask_cluster):
    store = tmp_path / "store"
    args = [sys.executable, "-m", "kg.cli", "ingest", "--quiet", "--store", str(store),
            "--scheduler", dask_cluster.address, str(corpus)]
    proc = subprocess.Popen(args, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for_stored_reports(proc, store, timeout=120)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    again = ingest(store, corpus, jobs=None, extra=("--quiet", "--scheduler", dask_cluster.address), timeout=600)
    assert again.returncode == 0, again.stderr
    s = summary(again)
    assert 0 < s["unchanged"] < FILES and s["unchanged"] + s["ingested"] == FILES
    assert snapshot(store)[:2] == reference




def test_local_scheduler_starts_jobs_workers(tmp_path):
    folder = tmp_path / "in"
    write_reports(folder, 10)
    one = ingest(tmp_path / "one", folder, jobs=1)
    local = ingest(tmp_path / "local", folder, jobs=2, extra=("--scheduler", "local"))
    assert local.returncode == 0, local.stderr
    assert summary(one) == summary(local)
    assert snapshot(tmp_path / "one")[:2] == snapshot(tmp_path / "local")[:2]


class _Logged(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        _Logged.requests.append(f"{self.command} {self.path}")


@pytest.fixture
def http_folder(tmp_path):
    """A folder of reports served over HTTP on loopback, with a directory listing."""
    folder = tmp_path / "site"
    write_reports(folder / "reports", 6)
    (folder / "reports" / "notes.xyz").write_text("x", encoding="utf-8")
    _Logged.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Logged, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_workers_read_http_urls_themselves(tmp_path, http_folder, dask_cluster):
    folder, url = http_folder
    store = tmp_path / "store"
    result = ingest(store, f"{url}/reports/", jobs=None, extra=("--scheduler", dask_cluster.address))
    assert result.returncode == 0, result.stderr
    s = summary(result)
    assert (s["ingested"], s["skipped"]) == (6, 1)
    local = ingest(tmp_path / "local", folder / "reports", jobs=1)
    assert summary(local)["citations"] == s["citations"]
    fetched = {r.split()[1] for r in _Logged.requests if r.startswith("GET /reports/") and r != "GET /reports/"}
    assert fetched == {f"/reports/{p.name}" for p in (folder / "reports").iterdir()}
    from kg.stores.oxigraph import OxigraphStore

    st = OxigraphStore(store, read_only=True)
    try:
        rows = st.query("SELECT ?f WHERE { ?r a lkg:Report ; lkg:sourceFile ?f }")
        assert {r["f"].value for r in rows} == {f"{url}/reports/{p.name}" for p in (folder / "reports").glob("*.txt")}
    finally:
        st.close()
    again = ingest(store, f"{url}/reports/", jobs=None, extra=("--scheduler", dask_cluster.address))
    assert summary(again)["unchanged"] == 6


def test_a_worker_of_another_version_is_refused(tmp_path):
    preload = tmp_path / "other_version.py"
    preload.write_text("import kg\nkg.__version__ = '0.0.1-other'\n", encoding="utf-8")
    cluster = DaskCluster(tmp_path / "dask")
    cluster.home.mkdir()
    try:
        cluster.start(0)
        cluster.add_worker("--preload", str(preload))
        cluster.wait_for(1)
        folder = tmp_path / "in"
        write_reports(folder, 2)
        result = ingest(tmp_path / "store", folder, jobs=None, extra=("--scheduler", cluster.address))
    finally:
        cluster.stop()
    assert result.returncode == 1
    [line] = err_lines(result)
    assert line.startswith("Error: Dask worker tcp://127.0.0.1:") and line.endswith(
        f"runs legal-kg 0.0.1-other, this client {__version__}: install the same version on every worker"), line


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path):
    write_reports(tmp_path / "in", 1)
    from dask_fixture import free_port

    address = f"tcp://127.0.0.1:{free_port()}"
    result = ingest(tmp_path / "store", tmp_path / "in", jobs=None, extra=("--scheduler", address),
                    env={**_env(), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
    assert result.returncode == 1
    [line] = err_lines(result)
    assert line.startswith(f"Error: cannot reach the Dask scheduler at {address}"), line


def test_workers_extract_with_the_vocabulary_given(tmp_path, dask_cluster):
    from test_vocab import add_revises_cue, vocabulary_folder

    from kg.stores.oxigraph import OxigraphStore

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "qd.txt").write_text("Quyết định số 12/2024/QĐ-UBND ngày 02/3/2024 của UBND tỉnh chỉnh lý Quyết định số "
                                   "10/2023/QĐ-UBND ngày 05/01/2023 của UBND tỉnh.\n", encoding="utf-8")
    mine = vocabulary_folder(tmp_path / "vocabulary", "relations", add_revises_cue)
    for options, amends in (((), False), (("--vocabulary", str(mine)), True)):
        run = ingest(tmp_path / "store", folder, jobs=None, extra=("--scheduler", dask_cluster.address, *options))
        assert run.returncode == 0 and summary(run)["ingested"] == 1, run.stderr
        with OxigraphStore.open_read_only(tmp_path / "store") as s:
            assert bool(s.query("ASK { ?a eli:amends ?b }")) is amends
