"""The load client against a live service (a separate process on loopback): every request answered, the counts add up,
repeated queries hit the results cache, and batching shows in /metrics."""
import json, os, subprocess, sys, urllib.request

import pytest

from codesearch.run import project_root
from codesearch.indexer import build_search_index
from codesearch.client import ServiceProcess, load_test


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_search_index([project_root() / "codesearch"], tmp_path_factory.mktemp("svc") / "index", progress=False, cache=project_root() / "data" / "encoders")


def test_load_test_counts_and_cache(index, tmp_path):
    queries = [f"{verb} a {noun}" for verb in ("read", "write", "parse", "split", "load", "save") for noun in ("file", "index", "query", "model", "table")]
    with ServiceProcess(index, "--max-batch", 16) as svc:
        r = load_test(svc.url, queries, concurrency=8, seconds=2.0, warmup=0.0)
        assert r["errors"] == 0 and r["requests"] > len(queries) and r["qps"] > 0, r
        assert r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"], r
        assert r["cache_hit_rate"] >= 1 - (len(queries) + 8) / r["requests"], r  # a query is a hit once its first answer is cached (8 may be in flight)
        qfile = tmp_path / "q.json"; qfile.write_text(json.dumps(queries))
        out = subprocess.run([sys.executable, "-m", "codesearch.cli", "loadtest", svc.url, "--queries", str(qfile), "--concurrency", "4",
                              "--seconds", "1", "--warmup", "0"], capture_output=True, text=True, check=True)
        assert json.loads(out.stdout)["errors"] == 0
        metrics = urllib.request.urlopen(svc.url + "/metrics").read().decode()
        assert 'codesearch_requests_total{endpoint="search",status="200"}' in metrics
        max_batch = int(next(l for l in metrics.splitlines() if l.startswith("codesearch_batch_size_max")).split()[-1])
        assert 1 < max_batch <= 16, metrics  # 8 concurrent clients: some queries were encoded together, never more than the cap
    assert svc.proc.returncode == 0 and "codesearch: stopped" in svc.output
    assert "OMP_WAIT_POLICY=PASSIVE" in svc.output, svc.output  # set by `codesearch serve` before faiss loads: its idle OpenMP threads sleep
    cores = os.cpu_count() or 1
    assert "encoder on 1 thread;" in svc.output and f"{cores} batch worker{'s' * (cores > 1)};" in svc.output, svc.output  # the default: one worker of one thread per core


def test_load_test_against_nothing_counts_errors():
    from codesearch.client import free_port
    r = load_test(f"http://127.0.0.1:{free_port()}", ["parse a file"], concurrency=2, seconds=0.3, warmup=0.0)
    assert r["requests"] == 0 and r["errors"] > 0


def test_cli_rejects_bad_query_file(tmp_path):
    from codesearch.cli import main
    f = tmp_path / "q.json"; f.write_text('{"not": "a list"}')
    assert main(["loadtest", "http://127.0.0.1:9", "--queries", str(f)]) == 2


def _request(url: str, method: str, path: str, body: bytes | None = None) -> int:
    "The status of one HTTP request (a 4xx/5xx answer is a status, not an exception)."
    import urllib.error
    req = urllib.request.Request(url + path, data=body, method=method, headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r: r.read(); return r.status
    except urllib.error.HTTPError as e: e.read(); return e.code


def test_poisoned_concurrent_load_fails_no_good_request(index):
    "16 concurrent clients, 10 rounds; in every 16 requests one is bad (a lone surrogate, dense or bm25, deep nesting, a bad k...): every good one gets 200, every bad one a 4xx."
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import quote
    poison = [("POST", "/api/search", b'{"query": "retry \\ud800"}'), ("POST", "/api/search", b'{"query": "retry \\ud800", "mode": "bm25"}'),
              ("POST", "/api/search", b'{"query": "x", "k": ' + b"[" * 1000 + b"]" * 1000 + b"}"), ("GET", "/api/search?q=retry&k=%C2%B2", None),
              ("POST", "/api/search", b'{"query": "retry \\udcff \\ud800 \\ud83d"}'), ("GET", "/api/search?q=retry&limit=3", None)]
    words = ("read", "write", "parse", "split", "load", "save", "merge", "sort", "find", "join", "count", "check", "build", "open", "close")
    with ServiceProcess(index, "--max-batch", 16, "--max-wait-ms", 5, "--cache", 0) as svc:
        for rnd in range(10):
            good = [("GET", f"/api/search?k=3&q={quote(f'{w} the {rnd} file')}", None) if i % 2 else
                    ("POST", "/api/search", json.dumps({"query": f"{w} a list number {rnd}", "mode": ("bm25", "dense", None)[i % 3]}).encode())
                    for i, w in enumerate(words)]
            reqs = good + [poison[rnd % len(poison)]]
            with ThreadPoolExecutor(16) as ex: got = list(ex.map(lambda r: _request(svc.url, *r), reqs))
            assert got[:-1] == [200] * len(good), (rnd, got)
            assert 400 <= got[-1] < 500, (rnd, poison[rnd % len(poison)], got[-1])
        assert _request(svc.url, "GET", "/healthz") == 200
        metrics = urllib.request.urlopen(svc.url + "/metrics").read().decode()
        assert 'status="500"' not in metrics, metrics
