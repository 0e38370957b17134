"""The tool apart from the study: with torch, transformers, pandas and every research module made unimportable,
`codesearch search` and `codesearch serve` still search an index folder (built beforehand), and the tool's modules import."""
import json, subprocess, sys, textwrap, time, urllib.request

import pytest

import numpy as np

from codesearch.encoder import StaticTokens, save_static
from codesearch.indexer import build_search_index
from codesearch.run import project_root
from codesearch.client import free_port

BLOCKED = ["torch", "transformers", "sentence_transformers", "pandas", "scipy", "yaml", "filelock", "papermill", "nbdev"] + \
          [f"codesearch.{m}" for m in ("data", "loaders", "evaluate", "baselines", "tokenizer", "pretrain", "contrastive", "csn_baselines", "minilm_ft",
                                       "seq2seq", "static", "negatives", "hybrid", "quantize", "index", "toolbench", "challenge", "run", "report", "config")]
TOOL = ["parse", "lexical", "fusion", "encoder", "export", "ann", "store", "indexer", "search", "page", "service", "client", "cli"]

BLOCKER = textwrap.dedent(f"""
    import importlib.abc, runpy, sys
    BLOCKED = {BLOCKED!r}
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED): raise ImportError(f"{{name}} is blocked: the tool must not import it")
    sys.meta_path.insert(0, Block())
    sys.argv = ["codesearch"] + sys.argv[1:]
    runpy.run_module("codesearch.cli", run_name="__main__")
""")


@pytest.fixture(scope="module")
def blocked(tmp_path_factory):
    d = tmp_path_factory.mktemp("tool")
    (d / "blocked_cli.py").write_text(BLOCKER)
    (d / "proj").mkdir()
    (d / "proj" / "util.py").write_text('def read_lines(path):\n    """Read a text file into a list of lines."""\n    with open(path) as f:\n        return f.read().splitlines()\n\n'
                                        'def add(a, b):\n    return a + b\n')
    idx = build_search_index([d / "proj"], d / "index", progress=False, cache=project_root() / "data" / "encoders")
    words = {w: i for i, w in enumerate(["read", "file", "lines", "text", "add", "two", "numbers", "a", "b"])}
    toy = save_static(d / "toy-static", np.random.default_rng(0).normal(size=(len(words), 16)), StaticTokens(words))
    build_search_index([d / "proj"], d / "static-index", model=str(toy), progress=False)
    return d, idx


def test_tool_modules_import_without_the_study(blocked):
    d, _ = blocked
    code = "import sys; sys.argv = ['x']\n" + BLOCKER.split("sys.argv =")[0] + f"\nimport importlib\nfor m in {TOOL!r}: importlib.import_module('codesearch.' + m)\nprint('ok')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_search_and_serve_without_the_study(blocked):
    d, idx = blocked
    for model in ([], ["--mode", "bm25"], ["--mode", "dense"]):
        r = subprocess.run([sys.executable, str(d / "blocked_cli.py"), "search", "read a file into lines", "--index", str(idx), "--json", *model], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-2000:]
        assert json.loads(r.stdout)["results"][0]["func_name"] == "read_lines"
    for mode in ("hybrid", "dense"):  # a static encoder: numpy and tokenizers only
        r = subprocess.run([sys.executable, str(d / "blocked_cli.py"), "search", "read a file into lines", "--index", str(d / "static-index"), "--json", "--mode", mode], capture_output=True, text=True)
        assert r.returncode == 0 and json.loads(r.stdout)["model"] == "toy-static", r.stderr[-2000:]
    r = subprocess.run([sys.executable, str(d / "blocked_cli.py"), "search", "read", "--index", str(d / "nowhere")], capture_output=True, text=True)
    assert r.returncode == 2 and "no index at" in r.stderr and "Traceback" not in r.stderr
    port = free_port()
    p = subprocess.Popen([sys.executable, str(d / "blocked_cli.py"), "serve", "--index", str(idx), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        t0 = time.monotonic()
        while True:
            try:
                body = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=add+two+numbers&k=1", timeout=5).read())
                break
            except OSError:
                assert p.poll() is None and time.monotonic() - t0 < 60, p.stdout.read() if p.poll() is not None else "no answer in 60 s"
                time.sleep(0.2)
        assert body["results"][0]["func_name"] == "add"
    finally:
        p.terminate(); out = p.communicate(timeout=30)[0]
    assert p.returncode == 0 and "codesearch: stopped" in out, out
