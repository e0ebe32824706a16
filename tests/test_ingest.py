"""`kg ingest` and `kg extract` as users run them.

The real CLI in a subprocess (``python -m kg.cli``), real files, a real
Oxigraph store on disk in ``tmp_path``. Nothing is mocked.
"""
from __future__ import annotations

import functools
import json
import os
import pty
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from make_corpus import clean_text, example_text, write_bad_inputs, write_docx, write_pdf  # noqa: E402
from processes import alive, children  # noqa: E402

from extractors import extract  # noqa: E402
from kg import readers  # noqa: E402
from kg.graph import INSTRUMENTS_GRAPH, VOCABULARY_KEY  # noqa: E402
from kg.iris import NAMES_GRAPH  # noqa: E402
from kg.stores.oxigraph import META_GRAPH, OxigraphStore  # noqa: E402
from synthetic import generate, write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LKG = "https://w3id.org/legal-kg/ontology#"
SUMMARY = re.compile(
    r"^(\d+) ingested, (\d+) unchanged, (\d+) skipped, (\d+) failed; (\d+) citations of (\d+) instruments read$", re.M
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # anything but \t and \n: ESC, CR, …


# --- helpers -----------------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LEGAL_KG_STORE"}
    env["PYTHONPATH"] = str(ROOT)  # the child as nobody must not need the venv's .pth
    return env


def kg(*args, cwd: Path | None = None, input: str | bytes | None = None, timeout: float = 120,
       env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """Run ``kg ARGS`` (``python -m kg.cli``); text output unless ``input`` is bytes."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *map(str, args)], cwd=cwd or ROOT, env=env or _env(), input=input,
        capture_output=True, text=not isinstance(input, bytes), timeout=timeout, **kw,
    )


def ingest(store: Path, *paths, jobs: int | None = 1, extra: tuple = (), **kw) -> subprocess.CompletedProcess:
    args = ["ingest", "--store", store, *extra]
    if jobs is not None:
        args += ["--jobs", jobs]
    return kg(*args, *paths, **kw)


def summary(result: subprocess.CompletedProcess) -> dict[str, int]:
    found = SUMMARY.findall(result.stdout)
    assert len(found) == 1, result.stdout
    keys = ("ingested", "unchanged", "skipped", "failed", "citations", "instruments")
    return dict(zip(keys, map(int, found[0])))


def open_store(path: Path) -> OxigraphStore:
    return OxigraphStore(path, read_only=True)


def select(store: OxigraphStore, query: str) -> list[tuple]:
    rows = store.query(f"PREFIX lkg: <{LKG}> {query}")
    return [tuple(None if s[v] is None else s[v].value for v in rows.variables) for s in rows]


def snapshot(path: Path) -> tuple[dict, list[str], list[str]]:
    """Counts, the N-Quads export (sorted lines) and the bookkeeping graph of a store on disk."""
    import io

    store = open_store(path)
    try:
        out = io.BytesIO()
        store.export(out, "nquads")
        meta = sorted(str(q) for q in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(META_GRAPH)))
        return store.counts(), sorted(out.getvalue().decode().splitlines()), meta
    finally:
        store.close()


def sources(path: Path) -> set[str]:
    """The files stored as reports."""
    store = open_store(path)
    try:
        return {f for (f,) in select(store, "SELECT DISTINCT ?f WHERE { ?r a lkg:Report ; lkg:sourceFile ?f }")}
    finally:
        store.close()


def report_keys(path: Path) -> set[str]:
    store = open_store(path)
    try:
        return set(store.report_keys()) - {VOCABULARY_KEY}
    finally:
        store.close()


def err_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def write_reports(directory: Path, n: int = 4, *, start: int = 0, seed: int = 3) -> list[Path]:
    """``n`` synthetic reports as UTF-8 text files (no gold files beside them)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in generate(n, seed=seed, start=start):
        path = directory / f"{r.name}.txt"
        path.write_text(r.text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def reports(tmp_path) -> Path:
    """A folder of good reports in three formats."""
    folder = tmp_path / "reports"
    write_reports(folder, 3)
    (folder / "example.txt").write_text(example_text(), encoding="utf-8")
    write_docx(folder / "clean.docx", clean_text())
    write_pdf(folder / "clean.pdf", [clean_text()])
    return folder


def label(path: Path) -> str:
    """How a file under a folder given to kg ingest is recorded: that folder's name and its path in it."""
    return f"{path.parent.name}/{path.name}"


def source_of(graph) -> str:
    """The ``lkg:sourceFile`` of a stored report graph."""
    [source] = {str(o) for _, p, o in graph if str(p) == LKG + "sourceFile"}
    return source


def mentions_in(graph) -> set[str]:
    return {str(s) for s, _, o in graph if str(o) == LKG + "Mention"}


# --- re-ingesting ----------------------------------------------------------------------------------


def test_reingest_of_unchanged_files_changes_nothing(tmp_path, reports):
    store = tmp_path / "store"
    first = ingest(store, reports)
    assert first.returncode == 0, first.stderr
    assert summary(first)["ingested"] == 6
    before = snapshot(store)
    assert before[0]["reports"] == 6

    for f in reports.iterdir():  # a newer mtime is not a change
        os.utime(f, (time.time() + 60, time.time() + 60))
    again = ingest(store, reports)
    assert again.returncode == 0, again.stderr
    s = summary(again)
    assert (s["ingested"], s["unchanged"], s["failed"]) == (0, 6, 0)
    assert snapshot(store) == before

    # A file named twice, and through a symlink, is still one report.
    (tmp_path / "alias.txt").symlink_to(reports / "example.txt")
    third = ingest(store, reports / "example.txt", reports / "example.txt", tmp_path / "alias.txt")
    assert third.returncode == 0, third.stderr
    assert summary(third)["ingested"] == 0
    assert snapshot(store) == before


def test_reingest_of_a_changed_file_replaces_exactly_its_triples(tmp_path, reports):
    store = tmp_path / "store"
    assert ingest(store, reports).returncode == 0
    changed, other = reports / "example.txt", reports / "clean.docx"
    keys_before = report_keys(store)
    s = open_store(store)
    try:
        by_source = {source_of(s.load(k).graph): k for k in keys_before}
        other_graph = sorted(map(str, s.load(by_source[label(other)]).graph))
        old_key = by_source[label(changed)]
    finally:
        s.close()

    # Drop the lines citing two instruments, add a citation that was not there.
    text = example_text()
    dropped = [line for line in text.splitlines() if "60/2021" in line or "4288" in line]
    assert dropped
    new_text = "\n".join(line for line in text.splitlines() if line not in dropped)
    new_text += "\nThực hiện Nghị định số 45/2020/NĐ-CP ngày 08/4/2020 của Chính phủ.\n"
    changed.write_text(new_text, encoding="utf-8")
    expected = extract(readers.read(changed))

    result = ingest(store, reports)
    assert result.returncode == 0, result.stderr
    s2 = summary(result)
    assert (s2["ingested"], s2["unchanged"]) == (1, 5)
    new_key = expected.text.content_hash[:16]  # a report is its text: the new version has its own key
    assert report_keys(store) == keys_before - {old_key} | {new_key}  # and replaces the old, nothing added

    s = open_store(store)
    try:
        assert sorted(map(str, s.load(by_source[label(other)]).graph)) == other_graph
        new = s.load(new_key)
        assert new.content_hash == expected.text.content_hash and source_of(new.graph) == label(changed)
        surfaces = [str(o) for _, p, o in new.graph if str(p) == LKG + "surface"]
        assert len(mentions_in(new.graph)) == len(expected.mentions)
        assert not any("60/2021" in x or "4288" in x for x in surfaces)
        assert any("45/2020/NĐ-CP" in x for x in surfaces)
        # No leftovers anywhere: only the new version's mentions are read from that file.
        n = select(s, f"""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{
            ?m a lkg:Mention ; lkg:inReport ?r . ?r lkg:sourceFile "{label(changed)}" }}""")
        assert int(n[0][0]) == len(expected.mentions)
        assert not select(s, f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(CONTAINS(STR(?g), '{old_key}')) }}"
                          .replace("ASK", "SELECT ?g")), "the old version's graph is gone"
    finally:
        s.close()


# --- bad input -------------------------------------------------------------------------------------


def test_bad_input_never_stops_the_batch_nor_touches_the_store(tmp_path, reports):
    store = tmp_path / "store"
    assert ingest(store, reports).returncode == 0
    before = snapshot(store)

    bad = write_bad_inputs(reports / "bad")
    (reports / "bad" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    bad["gone.txt"] = "broken symlink"
    (reports / "loop").mkdir()
    (reports / "loop" / "up").symlink_to("..", target_is_directory=True)  # a loop back to the folder
    (reports / "notes.xyz").write_text("Nghị định số 60/2021/NĐ-CP", encoding="utf-8")

    result = ingest(store, reports, tmp_path / "missing.txt", jobs=2)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = err_lines(result)
    errors = [line for line in lines if line.startswith("error: ")]
    for name, reason in bad.items():
        mine = [line for line in errors if f"/bad/{name}:" in line]
        assert len(mine) == 1, (name, lines)
        assert reason in mine[0], mine[0]
    missing = [line for line in errors if "missing.txt" in line]
    assert len(missing) == 1 and "no such file" in missing[0]
    assert len(errors) == len(bad) + 1, lines
    assert [line for line in lines if line.startswith("skipped ")] == [
        f"skipped 1 file: unsupported file type (.xyz) (e.g. {reports / 'notes.xyz'})"]
    assert len(lines) == len(errors) + 1
    s = summary(result)
    assert (s["ingested"], s["unchanged"], s["skipped"], s["failed"]) == (0, 6, 1, len(bad) + 1)
    assert snapshot(store) == before  # whole, and nothing half-written beside it

    # The store still takes new reports after that.
    new = write_reports(tmp_path / "more", 1, start=50)[0]
    assert ingest(store, new).returncode == 0
    assert snapshot(store)[0]["reports"] == 7


def test_bad_files_among_good_ones_in_a_fresh_store(tmp_path, reports):
    write_bad_inputs(reports)
    store = tmp_path / "store"
    result = ingest(store, reports)
    assert result.returncode == 1
    assert summary(result)["ingested"] == 6 and summary(result)["failed"] == 5
    assert len(err_lines(result)) == 5
    assert sources(store) == {label(p) for p in reports.iterdir() if p.name.startswith(("clean", "example"))
                              or p.name.endswith(".txt") and p.name not in ("empty.txt", "junk.txt")}


def test_unknown_types_are_skipped_with_a_note_and_exit_0(tmp_path, reports):
    (reports / "notes.xyz").write_text("Nghị định số 60/2021/NĐ-CP", encoding="utf-8")
    (reports / "sheet.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    (reports / "README").write_text("đọc tôi", encoding="utf-8")
    for i in range(4):
        (reports / f"more{i}.XYZ").write_text("x", encoding="utf-8")
    result = ingest(tmp_path / "store", reports)
    assert result.returncode == 0, result.stderr
    lines = err_lines(result)
    # One line per kind, the commonest first, naming one file of it.
    assert len(lines) == 3, lines
    assert lines[0] == f"skipped 5 files: unsupported file type (.xyz) (e.g. {reports / 'more0.XYZ'}; -v names them all)"
    assert sorted(lines[1:]) == sorted([
        f"skipped 1 file: unsupported file type (no suffix) (e.g. {reports / 'README'})",
        f"skipped 1 file: ZIP archive or non-Word Office file (.xlsx) (e.g. {reports / 'sheet.xlsx'})"])
    s = summary(result)
    assert (s["ingested"], s["skipped"], s["failed"]) == (6, 7, 0)

    verbose = ingest(tmp_path / "store", reports, extra=("-v",))
    named = sorted(line for line in err_lines(verbose))
    assert len(named) == 7 and all(line.startswith("skipped: ") for line in named), named
    assert f"skipped: {reports / 'notes.xyz'}: unsupported file type (.xyz)" in named


def test_a_symlink_loop_is_walked_once(tmp_path, reports):
    (reports / "sub").mkdir()
    write_reports(reports / "sub", 1, start=20)
    (reports / "sub" / "parent").symlink_to("..", target_is_directory=True)
    (reports / "self").symlink_to(".", target_is_directory=True)
    result = ingest(tmp_path / "store", reports)
    assert result.returncode == 0, result.stderr
    assert err_lines(result) == []
    assert summary(result)["ingested"] == 7
    assert len(sources(tmp_path / "store")) == 7


def _drop_dac_override() -> None:
    """In the child before exec: drop root's power to read any file whatever its mode.

    Removing CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set
    takes them out of the root process that exec starts: it is still root
    (it can open the store it owns) but a mode 000 file is unreadable to it.
    (Running the child as ``nobody`` does not work here: the interpreter lives
    under /root.)
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _no_dac() -> dict:
    """Keyword arguments for subprocess.run that make mode 000 files unreadable to the child."""
    return {"preexec_fn": _drop_dac_override} if os.geteuid() == 0 else {}


@pytest.fixture
def unreadable(tmp_path):
    """A folder of 2 good reports and ``secret.txt`` with mode 000: (folder, good, secret)."""
    folder = tmp_path / "in"
    good = write_reports(folder, 2)
    secret = folder / "secret.txt"
    secret.write_text("Căn cứ Nghị định số 60/2021/NĐ-CP", encoding="utf-8")
    secret.chmod(0o000)
    yield folder, good, secret
    secret.chmod(0o644)


def test_unreadable_file_in_a_folder_fails_alone(tmp_path, unreadable):
    folder, good, secret = unreadable
    store = tmp_path / "store"
    result = ingest(store, folder, **_no_dac())
    assert result.returncode == 1, result.stderr
    assert err_lines(result) == [f"error: {secret}: permission denied"]
    assert summary(result)["ingested"] == 2
    assert sources(store) == {label(p) for p in good}


@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_unreadable_file_named_on_the_command_line_fails_alone(tmp_path, unreadable, command):
    _, good, secret = unreadable
    args = [command, good[0], secret, good[1]]
    if command == "ingest":
        args[1:1] = ["--store", tmp_path / "store", "-j", "1"]
    result = kg(*args, **_no_dac())
    assert err_lines(result) == [f"error: {secret}: permission denied"]
    assert result.returncode == 1
    if command == "extract":
        assert f"{good[0]}: " in result.stdout and f"{good[1]}: " in result.stdout
    else:
        assert summary(result)["ingested"] == 2


def test_unreadable_subdirectory_is_reported(tmp_path):
    folder = tmp_path / "in"
    write_reports(folder, 1)
    locked = folder / "locked"
    write_reports(locked, 1, start=30)
    locked.chmod(0o000)
    try:
        result = ingest(tmp_path / "store", folder, **_no_dac())
    finally:
        locked.chmod(0o755)
    assert summary(result)["ingested"] == 1
    lines = err_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"error: {locked}") and "permission denied" in lines[0], lines
    assert result.returncode == 1


def _max_rss_mb(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """Run a command in a fresh intermediate process; its children's peak RSS in MB.

    RUSAGE_CHILDREN is a high-water mark over every child ever waited for, so
    measure from a process whose only descendants are this command's.
    """
    code = (
        "import json, resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([r.returncode, r.stdout, r.stderr, rss]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=_env(), capture_output=True,
                         text=True, timeout=300, check=True)
    rc, stdout, stderr, rss_kb = json.loads(out.stdout)
    return subprocess.CompletedProcess(args, rc, stdout, stderr), rss_kb / 1024


@pytest.mark.slow
def test_a_100_mb_text_file_is_refused_in_bounded_memory(tmp_path):
    folder = tmp_path / "in"
    write_reports(folder, 2)
    big = folder / "huge.txt"
    chunk = (example_text() + "\n").encode("utf-8")
    with open(big, "wb") as f:
        for _ in range(100_000_000 // len(chunk) + 1):
            f.write(chunk)
    assert big.stat().st_size >= 100_000_000
    result, rss = _max_rss_mb(
        [sys.executable, "-m", "kg.cli", "ingest", "--store", str(tmp_path / "store"), "--jobs", "2", str(folder)],
        cwd=tmp_path)
    assert rss < 400, f"peak RSS {rss:.0f} MB"
    assert result.returncode == 1
    lines = err_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"error: {big}: file too large ("), lines
    assert "MB limit)" in lines[0]
    assert summary(result)["ingested"] == 2


def test_a_file_name_that_is_not_utf8_is_that_files_problem_only(tmp_path):
    folder = tmp_path / "in"
    good = write_reports(folder, 2)
    odd = os.fsencode(folder) + b"/b\xe1o c\xe1o.txt"  # Latin-1 bytes, as an old archive tool wrote them
    with open(odd, "wb") as f:
        f.write(clean_text().encode("utf-8"))
    shown = f"{folder}/b\\xe1o c\\xe1o.txt"  # in messages
    recorded = f"{folder.name}/b\\xe1o c\\xe1o.txt"  # in the store
    strict = {"PYTHONIOENCODING": "utf-8:strict", "PYTHONUTF8": "0", "LC_ALL": "C.UTF-8"}
    store = tmp_path / "store"
    result = ingest(store, folder, env={**_env(), **strict})
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert summary(result)["ingested"] == 3
    assert sources(store) == {label(p) for p in good} | {recorded}
    again = ingest(store, folder, env={**_env(), **strict})
    assert summary(again)["unchanged"] == 3

    listed = kg("extract", "--json", os.fsdecode(odd), good[0], env={**_env(), **strict})
    assert listed.returncode == 0, listed.stderr
    files = {json.loads(line)["file"] for line in listed.stdout.splitlines()}
    assert files == {shown, str(good[0])}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_a_fifo_is_named_and_skipped_without_blocking(tmp_path, command):
    folder = tmp_path / "in"
    good = write_reports(folder, 1)[0]
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)  # nobody ever writes to it
    args = [command, fifo, good] if command == "extract" else ["ingest", "--store", tmp_path / "s", "-j", "1",
                                                               fifo, folder]
    result = kg(*args, timeout=50)
    assert result.returncode == 0, result.stderr
    expected = f"skipped: {fifo}: a named pipe (FIFO), not a file" if command == "extract" else \
        f"skipped 2 files: a named pipe (FIFO), not a file (e.g. {fifo}; -v names them all)"
    assert err_lines(result) == [expected]
    if command == "ingest":
        assert summary(result)["ingested"] == 1


@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_an_empty_path_is_an_error_not_the_current_directory(tmp_path, command):
    write_reports(tmp_path, 1)
    result = kg(command, "--store", tmp_path / "s", "", cwd=tmp_path) if command == "ingest" else \
        kg(command, "", cwd=tmp_path)
    assert result.returncode == 2
    assert "empty path (use . for the current directory)" in result.stderr
    assert not (tmp_path / "s").exists()


def test_hostile_files_are_refused_early_with_the_option_to_raise(tmp_path):
    from make_corpus import write_blank_pdf, write_docx_bomb

    folder = tmp_path / "in"
    write_reports(folder, 1)
    write_docx_bomb(folder / "bomb.docx", 300)
    write_blank_pdf(folder / "long.pdf", 1500)
    result, rss = _max_rss_mb([sys.executable, "-m", "kg.cli", "ingest", "--store", str(tmp_path / "store"),
                               "-j", "1", str(folder)], cwd=tmp_path)
    assert rss < 400, f"peak RSS {rss:.0f} MB"
    bomb, long = sorted(err_lines(result))
    assert re.fullmatch(rf"error: {folder / 'bomb.docx'}: DOCX unpacks to 30\d\.\d MB "
                        rf"\(> 64\.0 MB limit, --max-unpacked\)", bomb), bomb
    assert long == f"error: {folder / 'long.pdf'}: PDF has 1,500 pages (> 1,000 limit, --max-pages)"
    assert summary(result)["ingested"] == 1 and result.returncode == 1
    # Each limit is an option.
    raised = ingest(tmp_path / "store", folder, extra=("--max-pages", "2000", "--max-unpacked", "1"))
    assert len(err_lines(raised)) == 1 and err_lines(raised)[0].endswith("MB (> 1.0 MB limit, --max-unpacked)")
    assert summary(raised)["ingested"] == 1


@pytest.mark.slow
def test_worker_processes_die_with_a_killed_ingest(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 400, seed=2, noise=0.3)
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "ingest", "--quiet", "--store", str(tmp_path / "s"),
                             "--jobs", "2", str(corpus)], cwd=ROOT, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            workers = children(proc.pid)
            time.sleep(0.05)
        assert len(workers) >= 2 and proc.poll() is None, "no workers seen"
        proc.kill()  # SIGKILL to the parent alone: no chance to shut its pool down
        proc.wait(10)
        deadline = time.monotonic() + 10
        while any(map(alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(alive, workers)), "workers outlived their parent"
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# --- options ---------------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path) -> Path:
    """root/a.txt, root/sub/b.txt, root/sub/deeper/c.docx, root/drafts/d.txt."""
    root = tmp_path / "tree"
    texts = [r.text for r in generate(3, seed=5)]
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "drafts").mkdir()
    (root / "a.txt").write_text(texts[0], encoding="utf-8")
    (root / "sub" / "b.txt").write_text(texts[1], encoding="utf-8")
    write_docx(root / "sub" / "deeper" / "c.docx", clean_text())
    (root / "drafts" / "d.txt").write_text(texts[2], encoding="utf-8")
    return root


def _names(store: Path) -> set[str]:
    return {Path(f).name for f in sources(store)}


@pytest.mark.parametrize("extra, names", [
    ((), {"a.txt", "b.txt", "c.docx", "d.txt"}),  # recursive
    (("--include", "*.txt"), {"a.txt", "b.txt", "d.txt"}),
    (("--include", "*.docx", "--include", "a.*"), {"a.txt", "c.docx"}),
    (("--exclude", "drafts/*"), {"a.txt", "b.txt", "c.docx"}),
    (("--include", "*.txt", "--exclude", "drafts/*", "--exclude", "sub/*"), {"a.txt"}),
    (("--include", "sub/*"), {"b.txt", "c.docx"}),
])
def test_include_exclude_and_recursion(tmp_path, tree, extra, names):
    store = tmp_path / "store"
    result = ingest(store, tree, extra=extra)
    assert result.returncode == 0, result.stderr
    assert summary(result)["ingested"] == len(names)
    assert _names(store) == names


def test_fail_fast_stops_at_the_first_failure(tmp_path):
    folder = tmp_path / "in"
    write_reports(folder, 12)
    (folder / "0-empty.txt").write_bytes(b"")  # sorts first
    store = tmp_path / "store"

    result = ingest(store, folder, extra=("--fail-fast",))
    assert result.returncode == 1
    assert err_lines(result) == [f"error: {folder / '0-empty.txt'}: empty file"]
    assert summary(result)["ingested"] == 0 and summary(result)["failed"] == 1
    assert report_keys(store) == set()

    result = ingest(store, folder, extra=("--fail-fast",), jobs=2)
    assert result.returncode == 1
    assert len(err_lines(result)) == 1
    assert summary(result)["ingested"] < 12  # stopped early, whatever finished first
    stored = len(report_keys(store))
    assert stored == summary(result)["ingested"]

    # Without it every good file is stored.
    result = ingest(store, folder)
    assert result.returncode == 1
    assert summary(result)["ingested"] == 12 - stored and len(report_keys(store)) == 12


def test_quiet_prints_only_errors_and_the_summary(tmp_path, reports):
    (reports / "notes.xyz").write_text("x", encoding="utf-8")
    (reports / "empty.txt").write_bytes(b"")
    loud = ingest(tmp_path / "s1", reports)
    quiet = ingest(tmp_path / "s2", reports, extra=("--quiet",))
    assert loud.returncode == quiet.returncode == 1
    assert len(err_lines(loud)) == 2
    assert err_lines(quiet) == [f"error: {reports / 'empty.txt'}: empty file"]
    assert SUMMARY.search(quiet.stdout)
    assert quiet.stdout.replace("/s2", "/s1") == loud.stdout
    assert len(quiet.stdout.splitlines()) == 2


def test_jobs_1_and_2_give_identical_stores(tmp_path, reports):
    write_bad_inputs(reports / "bad")
    write_reports(reports / "more", 10, start=10, seed=9)
    one = ingest(tmp_path / "s1", reports, jobs=1)
    two = ingest(tmp_path / "s2", reports, jobs=2)
    assert one.returncode == two.returncode == 1
    assert summary(one) == summary(two)
    assert sorted(err_lines(one)) == sorted(err_lines(two))
    assert snapshot(tmp_path / "s1") == snapshot(tmp_path / "s2")


def test_include_and_exclude_match_in_any_case(tmp_path):
    folder = tmp_path / "in"
    write_reports(folder, 2)
    write_pdf(folder / "SCAN.PDF", [clean_text()])
    write_docx(folder / "Letter.DocX", clean_text())
    store = tmp_path / "store"
    result = ingest(store, folder, extra=("--include", "*.pdf", "--include", "*.docx"))
    assert result.returncode == 0, result.stderr
    assert _names(store) == {"SCAN.PDF", "Letter.DocX"}
    result = ingest(tmp_path / "s2", folder, extra=("--exclude", "*.TXT"))
    assert _names(tmp_path / "s2") == {"SCAN.PDF", "Letter.DocX"}


def test_a_warning_when_nothing_was_found(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = ingest(tmp_path / "store", empty)
    assert result.returncode == 0
    assert err_lines(result) == [f"warning: nothing to ingest: no file under {empty}"]

    write_reports(empty, 2)
    result = ingest(tmp_path / "store", empty, extra=("--include", "*.pdf"))
    assert err_lines(result) == [f"warning: nothing to ingest: no file under {empty} matches --include/--exclude"]

    only = tmp_path / "only"
    only.mkdir()
    (only / "a.xyz").write_text("x", encoding="utf-8")
    result = ingest(tmp_path / "store", only)
    assert err_lines(result)[-1] == "warning: no file of a type legal-kg reads was found"
    assert summary(result)["skipped"] == 1


def test_old_word_doc_is_refused_with_the_command_to_convert_it(tmp_path):
    folder = tmp_path / "in"
    write_reports(folder, 1)
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    result = ingest(tmp_path / "store", folder)
    assert result.returncode == 0
    assert err_lines(result) == [f"skipped 1 file: old binary Word file (.doc): convert it to .docx first, e.g. "
                                 f"soffice --headless --convert-to docx --outdir DIR FILE… (e.g. {folder / 'old.doc'})"]


# --- progress and summary -----------------------------------------------------------------------------


def test_summary_line_counts(tmp_path, reports):
    (reports / "notes.xyz").write_text("x", encoding="utf-8")
    (reports / "empty.txt").write_bytes(b"")
    expected = [extract(readers.read(p)) for p in reports.iterdir() if p.name not in ("notes.xyz", "empty.txt")]
    result = ingest(tmp_path / "store", reports)
    lines = result.stdout.splitlines()
    assert SUMMARY.fullmatch(lines[-2]), lines
    s = summary(result)
    assert (s["ingested"], s["unchanged"], s["skipped"], s["failed"]) == (6, 0, 1, 1)
    assert s["citations"] == sum(len(e.mentions) for e in expected)
    assert s["instruments"] == sum(len(e.instruments) for e in expected)
    counts = snapshot(tmp_path / "store")[0]
    assert lines[-1] == (f"store {tmp_path / 'store'}: {counts['reports']} reports, {counts['instruments']} "
                         f"instruments, {counts['mentions']} mentions, {counts['quads']} triples")


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, reports):
    result = ingest(tmp_path / "store", reports, jobs=2)
    assert result.returncode == 0
    assert not CONTROL.search(result.stderr), repr(result.stderr)
    assert not CONTROL.search(result.stdout), repr(result.stdout)
    assert result.stdout.splitlines()[0].startswith("6 ingested")  # nothing before the summary


def _run_on_pty(args: list, *, stdout_too: bool) -> tuple[int, bytes, bytes]:
    """Run ``kg ARGS`` with stderr (and stdout if ``stdout_too``) on a pseudo-terminal."""
    master, slave = pty.openpty()
    screen = bytearray()

    def pump() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            screen.extend(data)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    env = {**_env(), "TERM": "xterm-256color", "COLUMNS": "100"}
    try:
        proc = subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL, stdout=slave if stdout_too else subprocess.PIPE,
                              stderr=slave, timeout=120)
    finally:
        os.close(slave)
    reader.join(10)
    os.close(master)
    return proc.returncode, bytes(screen), proc.stdout or b""


@pytest.fixture
def many_reports(tmp_path) -> Path:
    folder = tmp_path / "many"
    write_reports(folder, 40, seed=4)
    return folder


def test_progress_bar_on_a_terminal(tmp_path, many_reports):
    for i in range(7):  # not counted: a type legal-kg does not read
        (many_reports / f"notes{i}.xyz").write_text("x", encoding="utf-8")
    rc, screen, _ = _run_on_pty(["ingest", "--store", tmp_path / "store", "-j", "1", many_reports],
                                stdout_too=True)
    assert rc == 0
    text = screen.decode("utf-8", "replace")
    assert "\x1b[" in text and "ingesting" in text and "files/s" in text, text[-2000:]
    assert re.search(r"\b\d+/40\b", text) and "/47" not in text, text[-2000:]
    assert re.search(r"ETA (\x1b\[[0-9;]*m)?\d+:\d\d:\d\d", text), text[-2000:]
    assert "40 ingested" in text

    rc, screen, _ = _run_on_pty(["ingest", "--quiet", "--store", tmp_path / "store2", "-j", "1", many_reports],
                                stdout_too=True)
    assert rc == 0 and "ingesting" not in screen.decode("utf-8", "replace")


def test_progress_bar_goes_to_stderr_and_leaves_stdout_clean(tmp_path, many_reports):
    rc, screen, stdout = _run_on_pty(["ingest", "--store", tmp_path / "store", "-j", "1", many_reports],
                                     stdout_too=False)
    assert rc == 0
    assert stdout.decode().splitlines()[0].startswith("40 ingested"), stdout[:200]
    assert "ingesting" in screen.decode("utf-8", "replace")


# --- interrupted ingest ----------------------------------------------------------------------------


def _wal_bytes(store: Path) -> int:
    return sum(p.stat().st_size for p in store.glob("*.log")) if store.is_dir() else 0


@functools.cache
def _vocabulary_wal_bytes() -> int:
    """The WAL of a store that holds the vocabulary only (what every run writes first)."""
    from kg.graph import store_vocabulary

    with tempfile.TemporaryDirectory() as home, OxigraphStore(Path(home) / "store") as store:
        store_vocabulary([store])
        return _wal_bytes(Path(home) / "store")


def wait_for_stored_reports(proc: subprocess.Popen, store: Path, timeout: float = 60) -> None:
    """Until ``proc`` (a running ``kg ingest``) has committed some reports to ``store``: its write-ahead
    log holds, past the vocabulary's share, more than two batches' worth (kg.ingest.SAVE_BATCH reports,
    well under 400 KB of log each), so at least one batch is whole in it whatever record is being
    written when the test strikes."""
    from kg.ingest import SAVE_BATCH

    threshold = _vocabulary_wal_bytes() + 2 * SAVE_BATCH * 400_000
    deadline = time.monotonic() + timeout
    while _wal_bytes(store) < threshold and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "ingest finished before it could be interrupted"


def _mentions_per_file(files: list[Path]) -> dict[str, int]:
    """What ``extractors.extract`` finds in each file, computed in a fresh process (`kg extract --json`).

    Not in this process: once, after many other tests, extract() here found one
    mention more in a synthetic file than a fresh process does (see the report).
    """
    result = kg("extract", "--json", *files, timeout=300)
    assert result.returncode == 0, result.stderr
    counts = {str(f): 0 for f in files}
    for line in result.stdout.splitlines():
        row = json.loads(line)
        if row.get("kind") == "symbol":  # a citation by its number (not a law named, not a relation)
            counts[row["file"]] += 1
    counts = {label(Path(f)): n for f, n in counts.items()}  # as the store records them
    return counts


def _check_whole_reports(store_path: Path, expected: dict[str, int]) -> int:
    """Every stored report is whole and has its bookkeeping; returns how many there are."""
    store = open_store(store_path)
    try:
        keys = set(store.report_keys()) - {VOCABULARY_KEY}
        graphs = {g.value for g in store.oxigraph.named_graphs()} - {META_GRAPH, INSTRUMENTS_GRAPH, NAMES_GRAPH}
        booked = set()
        for key in keys:
            report = store.load(key)
            booked.add(report.iri)
            assert len(report.graph) > 0, f"{key}: bookkeeping without a graph"
            source = source_of(report.graph)
            text = readers.read(store_path.parent / "corpus" / source.split("/", 1)[1])
            assert store.stored_hash(key) == report.content_hash == text.content_hash
            assert len(mentions_in(report.graph)) == expected[source], (key, source)
        vocabulary = store.load(VOCABULARY_KEY).iri
        assert graphs - {vocabulary} == booked, "report graphs without bookkeeping"
        return len(keys)
    finally:
        store.close()


@pytest.mark.slow
def test_interrupted_ingest_is_safe_and_resumable(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 300, seed=1, noise=0.3)
    clean, killed = tmp_path / "clean", tmp_path / "killed"

    reference = ingest(clean, corpus, jobs=2, extra=("--quiet",))
    assert reference.returncode == 0, reference.stderr
    assert summary(reference)["ingested"] == 300

    args = [sys.executable, "-m", "kg.cli", "ingest", "--quiet", "--store", str(killed), "--jobs", "2", str(corpus)]
    proc = subprocess.Popen(args, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its own process group: the workers die with it
    try:
        wait_for_stored_reports(proc, killed)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)

    expected = _mentions_per_file(sorted(p.resolve() for p in corpus.glob("*.txt")))
    partial = _check_whole_reports(killed, expected)
    assert 0 < partial < 300, partial

    again = ingest(killed, corpus, jobs=2, extra=("--quiet",))
    assert again.returncode == 0, again.stderr
    s = summary(again)
    assert s["unchanged"] == partial and s["ingested"] == 300 - partial
    assert _check_whole_reports(killed, expected) == 300
    assert snapshot(killed)[:2] == snapshot(clean)[:2]


def test_ctrl_c_while_the_vocabulary_is_stored_is_a_clean_stop(tmp_path):
    """The first second of a run stores the vocabulary: Ctrl-C then stops the run like any other."""
    corpus = tmp_path / "corpus"
    write_reports(corpus, 3)
    store = tmp_path / "store"
    args = [sys.executable, "-m", "kg.cli", "ingest", "--store", str(store), "--jobs", "1", str(corpus)]
    # SIGINT as a terminal leaves it (a shell's background job, as the tests may be, inherits it ignored).
    proc = subprocess.Popen(args, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not list(store.glob("*.log")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(0.2)  # the store is open: the vocabulary is being written (it takes a second or so)
        assert proc.poll() is None, "ingest finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err and "nothing to ingest" not in err
    assert re.match(r"interrupted after \d+ files: what was done is stored", err.strip().splitlines()[-1]), err
    with OxigraphStore(store, read_only=True) as stored:
        assert stored.stored_hash(VOCABULARY_KEY), "the vocabulary is stored whole"
    again = ingest(store, corpus, extra=("--quiet",))
    assert again.returncode == 0 and summary(again)["ingested"] + summary(again)["unchanged"] == 3, again.stderr


@pytest.mark.slow
def test_ctrl_c_stores_what_was_done_and_prints_the_summary(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 300, seed=1, noise=0.3)
    store = tmp_path / "store"
    args = [sys.executable, "-m", "kg.cli", "ingest", "--store", str(store), "--jobs", "2", str(corpus)]
    proc = subprocess.Popen(args, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        wait_for_stored_reports(proc, store)
        proc.send_signal(signal.SIGINT)  # to the parent, as a terminal's Ctrl-C reaches it first
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert re.fullmatch(r"interrupted after \d+ files: what was done is stored; run the same command again to go on",
                        lines[-1]), lines
    done = SUMMARY.search(out)
    assert done and 0 < int(done[1]) < 300, out
    expected = _mentions_per_file(sorted(p.resolve() for p in corpus.glob("*.txt")))
    assert _check_whole_reports(store, expected) == int(done[1])  # every report counted is stored, whole

    again = ingest(store, corpus, jobs=2, extra=("--quiet",))
    s = summary(again)
    assert again.returncode == 0 and s["unchanged"] == int(done[1]) and s["ingested"] == 300 - int(done[1])


# --- kg extract ------------------------------------------------------------------------------------


MENTION_FIELDS = {"start", "end", "surface", "id", "type", "date", "issuer", "jurisdiction", "file"}


def test_extract_goes_on_after_a_bad_file(tmp_path):
    a, b = write_reports(tmp_path, 2)
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 8)
    result = kg("extract", a, junk, b)
    assert result.returncode == 1
    assert err_lines(result) == [f"error: {junk}: not valid text in any known encoding"]
    for path in (a, b):
        n = len(extract(readers.read(path)).mentions)
        assert re.search(rf"^{re.escape(str(path))}: {n} citations of \d+ instruments$", result.stdout, re.M)
    assert str(junk) not in result.stdout

    missing = kg("extract", tmp_path / "nope.txt", a)
    assert missing.returncode == 1 and len(err_lines(missing)) == 1 and "nope.txt" in missing.stderr
    assert f"{a}: " in missing.stdout


def test_extract_reads_stdin():
    text = example_text()
    result = kg("extract", "--json", "-", input=text)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    mentions = [r for r in rows if "relation" not in r]
    assert len(mentions) == len(extract(readers.read_bytes(text.encode(), "-")).mentions) > 0
    for row in mentions:
        assert row["file"] == "-"
        assert text[row["start"]:row["end"]] == row["surface"]

    legacy = kg("extract", "-", input=clean_text().encode("utf-16"))
    assert legacy.returncode == 0 and "60/2021/NĐ-CP" in legacy.stdout.decode()

    empty = kg("extract", "-", input="")
    assert empty.returncode == 1 and err_lines(empty) == ["error: -: empty file"]


def test_extract_json_rows_have_the_documented_fields(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(example_text(), encoding="utf-8")
    docx = tmp_path / "report.docx"
    write_docx(docx, clean_text())
    result = kg("extract", "--json", path, docx)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    texts = {str(path): path.read_text(encoding="utf-8"), str(docx): readers.read(docx).content}
    for file in texts:
        mine = [r for r in rows if r["file"] == file]
        kinds = ["relation" in r for r in mine]
        assert kinds == sorted(kinds), "mentions first, then relations"
        mentions = [r for r in mine if "relation" not in r]
        assert mentions and len(mentions) == len(extract(readers.read(file)).mentions)
        for row in mentions:
            assert set(row) >= MENTION_FIELDS, row
            assert isinstance(row["start"], int) and isinstance(row["end"], int)
            assert texts[file][row["start"]:row["end"]] == row["surface"]
            assert row["id"] and row["type"] and row["issuer"]
            assert row["date"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", row["date"])
        for row in (r for r in mine if "relation" in r):
            assert {"relation", "from", "to", "start", "end", "file"} <= set(row)
    decree = next(r for r in rows if r.get("id") == "60/2021/NĐ-CP")
    assert decree["type"] and decree["date"] == "2021-06-21" and decree["jurisdiction"] is None
    local = next(r for r in rows if r.get("id") == "4288/QĐ-UBND" and r["file"] == str(docx))
    assert local["jurisdiction"] == "Nghệ An"


# --- the executor seam -------------------------------------------------------------------------------


def test_any_executor_gives_the_store_of_one_process(tmp_path, reports):
    """plan → map over any concurrent.futures.Executor → writer: a thread pool is as good as --jobs 1."""
    from concurrent.futures import ThreadPoolExecutor

    from kg.ingest import ingest as run_ingest

    write_bad_inputs(reports / "bad")
    results = {}
    for name, make in (("inline", lambda: None), ("threads", lambda: ThreadPoolExecutor(2))):
        store = OxigraphStore(tmp_path / name)
        executor = make()
        try:
            summary = run_ingest([reports], [store], executor=executor, workers=2)
        finally:
            store.close()
            if executor:
                executor.shutdown()
        results[name] = sorted((o.source, o.status, o.reason, o.mentions) for o in summary.outcomes)
    assert results["inline"] == results["threads"]
    assert snapshot(tmp_path / "inline") == snapshot(tmp_path / "threads")


def test_summary_line_and_skipped_reasons():
    """What kg ingest ends with, for Python users too: the counts, and the files skipped by reason (commonest first)."""
    from kg.ingest import Outcome, Summary

    summary = Summary([Outcome("a.txt", "ingested", mentions=3, instruments=2), Outcome("b.bin", "skipped", "binary"),
                       Outcome("c.xyz", "skipped", "no reader"), Outcome("d.xyz", "skipped", "no reader"),
                       Outcome("e.txt", "failed", "cannot read"), Outcome("f.txt", "unchanged")])
    assert summary.line() == "1 ingested, 1 unchanged, 3 skipped, 1 failed; 3 citations of 2 instruments read"
    assert list(summary.skipped().items()) == [("no reader", ["c.xyz", "d.xyz"]), ("binary", ["b.bin"])]
