"""`codesearch index` as a user runs it: every function of an installed package, a summary of what was skipped, and a
folder it never writes over: --out equal to the source is refused, and an interrupted build leaves the old index."""
import ast, os, signal, subprocess, sys, threading, time
from pathlib import Path

import pytest

from codesearch.indexer import is_index_folder
from codesearch.run import project_root
from codesearch.search import IndexSearcher

ENV = dict(os.environ, CODESEARCH_CACHE=str(project_root() / "data" / "encoders"))


def cli(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codesearch.cli", *map(str, args)], capture_output=True, text=True, env=ENV, **kw)


def ast_count(folder: Path) -> tuple[int, int]:
    "(functions and methods, of them `@overload` stubs) in the .py files under `folder`, by a plain `ast.walk`."
    n = stubs = 0
    for f in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_bytes())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n += 1
                stubs += any(getattr(d, "id", getattr(d, "attr", None)) == "overload" for d in node.decorator_list)
    return n, stubs


def test_installed_requests_is_indexed_whole(tmp_path):
    import requests
    src = Path(requests.__file__).parent
    n, stubs = ast_count(src)
    r = cli("index", src, "--out", tmp_path / "idx")
    assert r.returncode == 0, r.stderr
    s = IndexSearcher(tmp_path / "idx")
    assert len(s) == n - stubs, (len(s), n, stubs)  # every def of the package but @overload stubs (requests 2.34: 267 defs, no stubs)
    files = len(list(src.rglob("*.py")))
    assert f"indexed {n - stubs:,} functions into" in r.stdout and f"read {files} of {files} Python files" in r.stdout, r.stdout
    names = {f["func_name"] for f in s.records}
    assert {"delete", "Response.is_redirect", "Session.__init__", "Response.__iter__"} <= names
    hits = s.search("send a DELETE request", k=3, mode="bm25")
    assert "delete" in [h["func_name"] for h in hits], hits


def test_out_equal_to_the_source_is_refused_and_nothing_is_touched(tmp_path):
    src = tmp_path / "src"
    for f, text in {"app.py": "def main():\n    return 1\n", "encoder/codec.py": "def encode(x):\n    return x\n", "env/settings.py": "def load():\n    return {}\n"}.items():
        (src / f).parent.mkdir(parents=True, exist_ok=True); (src / f).write_text(text)
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    r = cli("index", src, "--out", src)
    assert r.returncode == 2 and "is the folder being indexed" in r.stderr, (r.returncode, r.stderr)
    assert {p: p.read_bytes() for p in src.rglob("*") if p.is_file()} == before
    r = cli("index", src, "--out", src / "app.py")
    assert r.returncode == 2 and "is a file" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = cli("index", src, "--out", tmp_path)  # a folder the user owns, holding src/
    assert r.returncode == 2 and "did not create" in r.stderr, r.stderr
    for _ in range(2):  # the default --out is .codesearch-index in the working folder, here the source itself; the second time, the index is inside the tree
        r = cli("index", ".", cwd=src)
        assert r.returncode == 0 and "read 3 of 3 Python files" in r.stdout, r.stdout + r.stderr  # its own index folder is not indexed
    assert is_index_folder(src / ".codesearch-index") and {p: p.read_bytes() for p in src.rglob("*") if p.is_file() and ".codesearch-index" not in p.parts} == before


def test_interrupted_build_leaves_the_old_index(tmp_path):
    import requests
    src = Path(requests.__file__).parent
    (tmp_path / "small").mkdir(); (tmp_path / "small" / "a.py").write_text("def only():\n    return 1\n")
    assert cli("index", tmp_path / "small", "--out", tmp_path / "idx").returncode == 0
    old = {p.relative_to(tmp_path / "idx"): p.read_bytes() for p in (tmp_path / "idx").rglob("*") if p.is_file()}
    p = subprocess.Popen([sys.executable, "-m", "codesearch.cli", "index", str(src), "--out", str(tmp_path / "idx")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as from a terminal: a shell's background job (`make test &`) ignores SIGINT, and so would Python in it
    err = []  # stderr as it comes: the interrupt is sent once the embedding's progress bar has started, not after a guessed delay
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: p.stderr.read(1), "")), daemon=True); reader.start()
    t0 = time.monotonic()
    while "embed" not in "".join(err) and p.poll() is None and time.monotonic() - t0 < 120: time.sleep(0.01)
    assert any(".idx.building-" in q.name for q in tmp_path.iterdir()), "".join(err)  # the new index is being built beside the old one
    p.send_signal(signal.SIGINT)  # embedding ~270 functions with MiniLM takes seconds: the build is still running here
    p.wait(timeout=120); reader.join(timeout=10); err = "".join(err)
    assert p.returncode == 130 and "is as it was before" in err, (p.returncode, err[-2000:])
    assert {q.relative_to(tmp_path / "idx"): q.read_bytes() for q in (tmp_path / "idx").rglob("*") if q.is_file()} == old
    assert sorted(q.name for q in tmp_path.iterdir()) == ["idx", "small"]  # no half-built folder left
    assert len(IndexSearcher(tmp_path / "idx")) == 1
