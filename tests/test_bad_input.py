"""Bad input gets a clear error or is skipped and counted; nothing already built is lost."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codesearch.data import Package, build_corpus
from codesearch.loaders import DatasetUnavailable, load_codesearchnet, load_cosqa
from codesearch.evaluate import evaluate_pool, gold_ranks
from codesearch.config import load_config

GOOD = '''
def area(width, height):
    """Compute the area of a rectangle from its sides."""
    product = width * height
    return product
'''


def _pkg(root: Path, name: str, files: dict) -> Package:
    d = root / name
    d.mkdir()
    for fn, content in files.items():
        (d / fn).write_bytes(content if isinstance(content, bytes) else content.encode())
    return Package(name, d, "site-packages", "1.0", "MIT")


def _build(tmp_path, pkgs, name="out"):
    out = tmp_path / name
    out.mkdir()
    return build_corpus(out, "test", 0, workers=1, packages=pkgs), out


def test_syntax_error_file_is_skipped_and_counted(tmp_path):
    m, out = _build(tmp_path, [_pkg(tmp_path, "geo", {"__init__.py": GOOD, "broken.py": "def f(:\n    return 1\n"})])
    assert m["files"]["syntax_error"] == 1 and m["files"]["ok"] == 1
    assert pd.read_parquet(out / "functions.parquet")["func_name"].tolist() == ["area"]


def test_files_are_decoded_as_python_decodes_them(tmp_path):
    "A coding line and a BOM are honoured; bytes that are not text in the file's encoding are skipped and counted."
    body = "def caf():\n    '''Serve a caf\xe9 au lait now.'''\n    x = 1\n    return x\n"
    files = {"__init__.py": GOOD, "declared.py": ("# -*- coding: latin-1 -*-\n" + body).encode("latin-1"),
             "bom.py": b"\xef\xbb\xbf" + body.replace("caf(", "caf_bom(").encode(), "undeclared.py": body.replace("caf(", "caf_raw(").encode("latin-1")}
    m, out = _build(tmp_path, [_pkg(tmp_path, "geo", files)])
    assert m["files"]["undecodable"] == 1 and m["files"]["ok"] == 3, m["files"]
    assert sorted(pd.read_parquet(out / "functions.parquet")["func_name"]) == ["area", "caf", "caf_bom"]


def test_empty_package_is_reported_not_fatal(tmp_path):
    m, _ = _build(tmp_path, [_pkg(tmp_path, "geo", {"__init__.py": GOOD}), _pkg(tmp_path, "hollow", {"__init__.py": "VERSION = 1\n"})])
    assert m["empty_packages"] == ["hollow"]
    assert {p["name"]: p["pairs"] for p in m["packages"]} == {"geo": 1, "hollow": 0}
    only_empty, _ = _build(tmp_path, [_pkg(tmp_path, "void", {"__init__.py": ""})], name="out2")
    assert only_empty["n_pairs"] == 0 and only_empty["splits"] == {"train": 0, "valid": 0, "test": 0}


def test_missing_cosqa_names_path_and_option(tmp_path):
    with pytest.raises(DatasetUnavailable) as e:
        load_cosqa(tmp_path / "nowhere")
    msg = str(e.value)
    assert "nowhere" in msg and "COSQA_DIR" in msg and "code_idx_map.txt" in msg
    with pytest.raises(DatasetUnavailable, match="cosqa_dir"):
        load_cosqa(None)


def test_cosqa_with_inconsistent_gold_is_refused(tmp_path):
    (tmp_path / "code_idx_map.txt").write_text(json.dumps({"def a(): pass": 0, "def b(): pass": 1}))
    (tmp_path / "cosqa-retrieval-dev-500.json").write_text(json.dumps([dict(idx="q", doc="b", code="def b(): pass", retrieval_idx=0)]))
    with pytest.raises(ValueError, match="retrieval_idx"):
        load_cosqa(tmp_path)


def test_missing_codesearchnet_files_name_the_option(tmp_path):
    with pytest.raises(DatasetUnavailable, match="python.zip"):
        load_codesearchnet("test", tmp_path)


def test_unknown_profile_cli(root):
    r = subprocess.run([str(Path(sys.executable).parent / "codesearch"), "report", "--profile", "laptop"], capture_output=True, text=True, cwd=root)
    assert r.returncode == 2
    assert "unknown profile 'laptop'" in r.stderr and "smoke, cpu, gpu" in r.stderr
    assert not (root / "reports" / "laptop").exists()
    with pytest.raises(ValueError, match="choose one of smoke, cpu, gpu"):
        load_config("laptop")


def test_nan_scores_never_score_well():
    scores = np.full((3, 5), np.nan)
    with pytest.raises(ValueError, match="non-finite"):
        gold_ranks(scores, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="non-finite"):
        evaluate_pool(lambda rows: scores[rows], np.array([0, 1, 2]), 5)
    # constant scores: ties count against the gold, so the gold comes last
    assert gold_ranks(np.zeros((2, 5)), np.array([0, 4])).tolist() == [5, 5]
