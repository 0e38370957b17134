"""Property tests: arbitrary Unicode (lone surrogates included), sizes and nesting thrown at `IndexSearcher`, the CLI's
argument handling and the HTTP API give a result or a clear refusal (a ValueError, exit status 2, a 4xx), never a
traceback or a 500; the service still answers /healthz afterwards. Seeded (derandomize), so CI runs the same cases."""
import contextlib, io, json, urllib.error, urllib.request
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from codesearch.cli import main
from codesearch.indexer import build_search_index
from codesearch.run import project_root
from codesearch.search import IndexSearcher
from codesearch.client import ServiceProcess

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
texts = st.one_of(st.text(max_size=1100), st.builds(lambda a, s, b: a + s + b, st.text(max_size=30), surrogate, st.text(max_size=30)),
                  st.sampled_from(["", " ", "\x00", "read a file", "x" * 1000, "x" * 1001, "é" * 999, "\u2028", "-k", "--mode"]))
ks = st.one_of(st.integers(-10 ** 6, 10 ** 6), st.text(max_size=8), st.floats(), st.booleans(), st.none(), st.sampled_from(["²", "٣", "1e3", "0x10", " 7 "]))
modes = st.one_of(st.none(), st.sampled_from(["hybrid", "dense", "bm25", "minilm", ""]), st.text(max_size=20))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.one_of(st.sampled_from(["query", "k", "mode", "html"]), st.text(max_size=8)), inner, max_size=5),
                           max_leaves=30)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    tree = tmp_path_factory.mktemp("fuzz") / "proj"
    tree.mkdir()
    (tree / "util.py").write_text('def read_lines(path):\n    """Read a text file into a list of lines."""\n    with open(path) as f:\n        return f.read().splitlines()\n\n'
                                  'def add(a, b):\n    return a + b\n\nclass Cache:\n    def get(self, key, default=None):\n        return self.d.get(key, default)\n')
    return build_search_index([tree], tree.parent / "index", progress=False, cache=project_root() / "data" / "encoders")


@FUZZ
@given(query=texts, k=ks, mode=modes)
def test_searcher_answers_or_refuses(index, query, k, mode):
    s = _searcher(index)
    try: hits = s.search(query, k, mode or None)
    except ValueError as e:
        assert str(e)
        return
    assert isinstance(hits, list) and len(hits) <= 3 and all({"func_name", "score", "rank"} <= set(h) for h in hits)


_SEARCHERS = {}
def _searcher(index):
    if index not in _SEARCHERS: _SEARCHERS[index] = IndexSearcher(index, threads=1)
    return _SEARCHERS[index]


@FUZZ
@given(query=texts, k=st.one_of(st.text(max_size=8), st.integers(-5, 200).map(str)), lines=st.one_of(st.text(max_size=6), st.integers(-3, 50).map(str)),
       mode=st.one_of(st.none(), st.sampled_from(["hybrid", "dense", "bm25"]), st.text(max_size=12)), as_json=st.booleans())
def test_cli_search_answers_or_exits_2(index, query, k, lines, mode, as_json):
    argv = ["search", query, "--index", str(index), "-k", k, "--lines", lines] + (["--mode", mode] if mode is not None else []) + (["--json"] if as_json else [])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = main(argv)
        except SystemExit as e: code = e.code  # argparse refuses: exit status 2 and its usage line
    assert code in (0, 2), (argv, code, err.getvalue())
    if code == 2: assert err.getvalue().strip(), argv
    elif as_json: json.loads(out.getvalue())


def _status(url, path, body=None, method="GET"):
    req = urllib.request.Request(url + path, data=body, method=method, headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r: r.read(); return r.status
    except urllib.error.HTTPError as e: e.read(); return e.code


@pytest.fixture(scope="module")
def service(index):
    with ServiceProcess(index, "--cache", 0) as svc: yield svc


@FUZZ
@given(params=st.dictionaries(st.one_of(st.sampled_from(["q", "k", "mode", "html"]), st.text(max_size=6)), st.one_of(texts, ks.map(str)), max_size=5))
def test_http_get_never_fails(service, params):
    q = "&".join(f"{quote(k, safe='', errors='surrogatepass')}={quote(v, safe='', errors='surrogatepass')}" for k, v in params.items())
    assert _status(service.url, "/api/search?" + q) < 500, params


@FUZZ
@given(body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=3000),
                      st.integers(1, 5000).map(lambda d: b'{"query": "x", "k": ' + b"[" * d + b"]" * d + b"}"),
                      st.builds(lambda q, k, m: json.dumps({"query": q, "k": k, "mode": m}).encode(), texts, ks, modes)))
def test_http_post_never_fails(service, body):
    assert _status(service.url, "/api/search", body, "POST") < 500, body[:200]


def test_service_still_healthy_after_the_fuzz(service):
    "Runs after the two HTTP property tests (pytest keeps file order): the service answers, and counted no 500."
    assert _status(service.url, "/healthz") == 200
    metrics = urllib.request.urlopen(service.url + "/metrics").read().decode()
    assert 'status="500"' not in metrics and 'endpoint="search",status="200"' in metrics, metrics
