"""One typed configuration: every stage notebook's parameters cell holds smoke's values for keys of the config and
nothing copied from other stages; and the gpu profile's stage graph, which no machine here can run at size, runs
on the CPU with tiny overrides, so that no change can break a profile nobody runs."""
import ast, json, re
from pathlib import Path

import pytest

from codesearch.config import KEYS, load_config
from codesearch.report import stage_notebooks
from codesearch.run import project_root

EXTRA = {"profile": "smoke", "report_dir": None, "overrides": {}}  # what a parameters cell may hold besides config keys


def _parameters(nb: Path) -> dict:
    cells = [c for c in json.loads(nb.read_text())["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{nb.name}: one cell tagged parameters, found {len(cells)}"
    tree = ast.parse("".join(cells[0]["source"]))
    return {t.id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) for t in n.targets}


@pytest.mark.parametrize("nb", stage_notebooks(project_root() / "nbs"), ids=lambda p: p.name)
def test_notebook_defaults_are_the_smoke_profile(nb):
    smoke, params = load_config("smoke").flat(), _parameters(nb)
    for k, v in params.items():
        if k in EXTRA: assert v == EXTRA[k], (nb.name, k, v)
        else:
            assert k in KEYS, f"{nb.name}: {k} is not a parameter of the config (codesearch.config)"
            assert v == smoke[k] and type(v) is type(smoke[k]), f"{nb.name}: {k} = {v!r}, but the smoke profile says {smoke[k]!r}"


def test_no_parameters_are_copied_into_dicts():
    for nb in stage_notebooks(project_root() / "nbs"):
        code = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        assert not re.search(r"\bP = dict\(|load_params\(", code), f"{nb.name} copies a profile's parameters by hand"


def test_gpu_profile_stage_graph_runs_on_cpu_with_tiny_overrides(tmp_path, monkeypatch):
    "The gpu profile's paths (temperature trials, hard-negative seeds and control, its generators and encoders) on a few hundred functions."
    tiny = dict(corpus="json,csv,textwrap,difflib,calendar,gettext,fractions,statistics,uuid,enum,shutil", model_size="tiny", vocab_size=600,
                tokenizer_sentences=3000, mlm_steps=2, mlm_batch_size=8, mlm_seq_length=64, con_batch_size=8, con_chunk=4, con_epochs=1, con_max_steps=2,
                con_query_length=16, con_code_length=32, eval_seq_length=32, temperature_epochs=1, con_ablation_steps=2, valid_max=40, amp=False,
                hn_steps=2, hn_topk=20, hn_pool=200, ft_steps=2, ft_batch_size=4, ft_max_seq_length=32, csn_steps=2, csn_batch_size=8, csn_vocab=300,
                csn_dim=16, csn_code_length=32, s2s_steps=2, s2s_batch_size=4, s2s_dim=16, s2s_code_length=24, s2s_summary_length=8, s2s_eval_every=1)
    (tmp_path / "params").symlink_to(project_root() / "params")
    monkeypatch.setenv("CODESEARCH_HOME", str(tmp_path))  # its run folder lives with the test, not in data/runs/gpu
    cfg = load_config("gpu", tiny)
    assert len(cfg.contrastive.temperatures) > 1 and len(cfg.negatives.hn_seeds) > 1 and cfg.pretrain.mlm_steps == 2  # the profile's own graph, tiny sizes
    from codesearch.csn_baselines import csn_model
    from codesearch.minilm_ft import minilm_ft_model
    from codesearch.negatives import hardneg_model, stage_hardneg
    from codesearch.seq2seq import seq2seq_model
    H = stage_hardneg(cfg)
    assert set(H["stage"]["trials"]) == set(cfg.contrastive.temperatures)
    assert {r["seed"] for r in H["rounds"]} == set(cfg.negatives.hn_seeds) and len(H["control"]) == cfg.negatives.hn_rounds
    assert (hardneg_model(cfg) / "modules.json").exists()
    assert (minilm_ft_model(cfg) / "modules.json").exists()
    for kind in cfg.csn.csn_kinds: assert (csn_model(kind, cfg) / "train.json").exists()
    for kind in cfg.seq2seq.s2s_kinds: assert (seq2seq_model(kind, cfg) / "train.json").exists()
