"""The report runner: papermill over stage notebooks, a results table, a README; failures stop it clearly."""
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from codesearch.report import StageFailed, run_report


def _nb(path: Path, *cells: str):
    params = new_code_cell('profile = "smoke"\nreport_dir = None')
    params.metadata["tags"] = ["parameters"]
    nbformat.write(new_notebook(cells=[params, *map(new_code_cell, cells)]), path)


STAGE = '''
from pathlib import Path
from codesearch.run import record, metric_rows, report_path
record(metric_rows("00_demo", "bm25", "local", "test", "full-pool", {"mrr": 0.25, "recall@1": 0.125}), report_path(profile, report_dir) / "metrics.json")
'''


def test_report_runs_stages_and_renders(tmp_path):
    nbs = tmp_path / "nbs"; nbs.mkdir()
    _nb(nbs / "00_demo.ipynb", "#| hide\nfrom fastcore.test import test_eq\ntest_eq(1 + 1, 2); HIDDEN_RAN = True", STAGE + "assert HIDDEN_RAN")
    _nb(nbs / "notes.ipynb", "raise RuntimeError('unnumbered notebooks are not stages')")
    out = run_report("smoke", nbs=nbs, out=tmp_path / "rep")
    rows = json.loads((out / "metrics.json").read_text())
    assert {(r["metric"], r["value"]) for r in rows} == {("mrr", 0.25), ("recall@1", 0.125)}
    readme = (out / "README.md").read_text()
    assert "| local | full-pool | bm25 | 0.2500 |" in readme
    run = json.loads((out / "run.json").read_text())
    assert run["profile"] == "smoke" and run["params"]["corpus"] == "smoke" and "00_demo.ipynb" in run["stage_seconds"]
    assert (out / "00_demo.ipynb").exists() and not (out / "notes.ipynb").exists()
    cells = nbformat.read(str(out / "00_demo.ipynb"), as_version=4).cells  # the inline test ran (the stage asserts it) and is not in the report's copy
    assert not any("#| hide" in c.source for c in cells) and any("record(metric_rows" in c.source for c in cells)


def test_failing_stage_names_notebook_and_cell_and_keeps_copy(tmp_path):
    nbs = tmp_path / "nbs"; nbs.mkdir()
    _nb(nbs / "00_ok.ipynb", "x = 1")
    _nb(nbs / "01_bad.ipynb", "y = 2", "raise ValueError('corpus is empty')")
    _nb(nbs / "02_after.ipynb", "z = 3")
    with pytest.raises(StageFailed, match=r"01_bad.ipynb failed in cell 4 \(ValueError: corpus is empty\)"):
        run_report("smoke", nbs=nbs, out=tmp_path / "rep")
    assert (tmp_path / "rep" / "01_bad.ipynb").exists() and not (tmp_path / "rep" / "02_after.ipynb").exists()
