"""Training resumes after a hard kill to the same result, and runs data-parallel under torchrun."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = r'''
import json, sys, time, numpy as np, torch
from pathlib import Path
from codesearch.pretrain import TrainConfig, train, encoder_config, pad_batch, mask_tokens, dist_info, dist_close
from transformers import BertForMaskedLM
torch.set_num_threads(1)
work, steps, out = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
data = [[2] + list(rng.integers(5, 200, rng.integers(5, 40))) + [3] for _ in range(256)]
torch.manual_seed(0)
model = BertForMaskedLM(encoder_config("tiny", 200, 64))
def step_loss(m, idx, gen):
    x, am = pad_batch([data[i] for i in idx])
    inp, lab = mask_tokens(x, x < 5, 4, 200, gen)
    return m(input_ids=inp, attention_mask=am, labels=lab).loss
slow = lambda s, l: time.sleep(0.05)  # slow enough to be killed between two checkpoints
res = train(model, step_loss, np.array([len(d) for d in data]), TrainConfig(steps=steps, batch_size=16, lr=1e-3, ckpt_every=5), work, on_step=slow)
rank, world = dist_info()
Path(f"{out}.{rank}").write_text(json.dumps(dict(curve=res["curve"], checksum=float(sum(p.detach().double().sum() for p in model.parameters())), world=world)))
dist_close()
'''


def _run(tmp, work, steps, out, **kw):
    f = tmp / "train_script.py"
    f.write_text(SCRIPT)
    return subprocess.Popen([sys.executable, str(f), str(work), str(steps), str(out)], **kw)


def test_killed_run_resumes_to_same_result(tmp_path):
    ref = _run(tmp_path, tmp_path / "ref", 30, tmp_path / "ref.json")
    assert ref.wait(timeout=300) == 0
    p = _run(tmp_path, tmp_path / "run", 30, tmp_path / "run.json")
    ck = tmp_path / "run" / "last.pt"
    deadline = time.time() + 240
    while time.time() < deadline and not ck.exists():
        time.sleep(0.05)
    time.sleep(0.3)  # let it get past the checkpoint, mid-way between two
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert ck.exists() and not (tmp_path / "run.json.0").exists(), "the run should have been killed mid-way"
    import torch
    assert 0 < torch.load(ck, weights_only=False)["step"] < 30
    q = _run(tmp_path, tmp_path / "run", 30, tmp_path / "run.json")
    assert q.wait(timeout=300) == 0
    a, b = (json.loads((tmp_path / f"{n}.json.0").read_text()) for n in ("ref", "run"))
    assert a["curve"] == b["curve"]
    assert a["checksum"] == b["checksum"]


def test_ddp_two_cpu_ranks_agree(tmp_path):
    f = tmp_path / "train_script.py"
    f.write_text(SCRIPT)
    torchrun = Path(sys.executable).parent / "torchrun"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", str(f), str(tmp_path / "ddp"), "10", str(tmp_path / "ddp.json")],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    r0, r1 = (json.loads((tmp_path / f"ddp.json.{k}").read_text()) for k in (0, 1))
    assert r0["world"] == r1["world"] == 2
    assert r0["checksum"] == r1["checksum"]  # identical weights on both ranks after 10 data-parallel steps
    assert r0["curve"] == r1["curve"] and len(r0["curve"]) == 10


CON_SCRIPT = r'''
import json, sys, numpy as np, torch
from pathlib import Path
from transformers import BertModel
from codesearch.pretrain import encoder_config, pad_batch, dist_info, dist_close
from codesearch.contrastive import grad_cache_step, info_nce, encode_batch
torch.set_num_threads(1)
rank, world = dist_info()
torch.manual_seed(0)
model = BertModel(encoder_config("tiny", 100), add_pooling_layer=False).eval()  # no dropout: gradients comparable
ref = BertModel(encoder_config("tiny", 100), add_pooling_layer=False).eval(); ref.load_state_dict(model.state_dict())
rng = np.random.default_rng(0)
qs = [[2] + list(rng.integers(5, 100, 6)) + [3] for _ in range(8)]; cs = [[2] + list(rng.integers(5, 100, 14)) + [3] for _ in range(8)]
hs = [[2] + list(rng.integers(5, 100, 10)) + [3] for _ in range(8)]  # one hard negative per pair (stage 06), two of them masked
h_mask = torch.tensor([False, False, True, False, False, False, True, False])
mine = slice(rank * 4, rank * 4 + 4)
ddp = torch.nn.parallel.DistributedDataParallel(model)
loss = grad_cache_step(ddp, [pad_batch(qs[mine]), pad_batch(cs[mine]), pad_batch(hs[mine])], lambda Q, D, H: info_nce(Q, D, 0.05, H, h_mask), chunk=2)
# the same global batch of 8 in one process, one backward pass
qi, qm = pad_batch(qs); ci, cm = pad_batch(cs); hi, hm = pad_batch(hs)
full = info_nce(encode_batch(ref, qi, qm), encode_batch(ref, ci, cm), 0.05, encode_batch(ref, hi, hm), h_mask); full.backward()
err = max((p.grad - r.grad).abs().max().item() for p, r in zip(model.parameters(), ref.parameters()) if r.grad is not None)
Path(f"{sys.argv[1]}.{rank}").write_text(json.dumps(dict(loss=loss.item(), full=full.item(), err=err)))
dist_close()
'''


def test_ddp_contrastive_step_equals_full_batch(tmp_path):
    f = tmp_path / "con_script.py"
    f.write_text(CON_SCRIPT)
    torchrun = Path(sys.executable).parent / "torchrun"
    r = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", str(f), str(tmp_path / "con.json")],
                       capture_output=True, text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert r.returncode == 0, r.stderr[-3000:]
    for k in (0, 1):
        res = json.loads((tmp_path / f"con.json.{k}").read_text())
        assert abs(res["loss"] - res["full"]) < 1e-5  # each rank's loss is the global batch's
        assert res["err"] < 1e-5  # DDP-averaged cached gradients == one process's full-batch gradients


def test_codesearch_train_under_torchrun(tmp_path, root):
    "The smoke profile's stages 03-05 run unchanged on two gloo ranks and leave loadable sentence-transformers folders."
    (tmp_path / "params").symlink_to(root / "params")  # the profile's parameters; the run folder (data/) is the test's own
    env = dict(os.environ, CODESEARCH_HOME=str(tmp_path), OMP_NUM_THREADS="1")
    r = subprocess.run([str(Path(sys.executable).parent / "torchrun"), "--standalone", "--nproc_per_node", "2", "-m", "codesearch.cli", "train", "--profile", "smoke"],
                       capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    line = next(l for l in r.stdout.splitlines() if l.startswith("trained:"))
    from sentence_transformers import SentenceTransformer
    for folder in line.split("'")[3::4]:
        emb = SentenceTransformer(folder, device="cpu").encode(["read a file", "def f(path): return open(path).read()"], normalize_embeddings=True)
        assert emb.shape[0] == 2 and abs(float((emb[0] ** 2).sum()) - 1) < 1e-4
