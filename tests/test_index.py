"""Saved ANN indexes: a reloaded index answers exactly as before; damaged, missing or mismatched files give IndexFileError, never a crash or wrong results."""
import json
import shutil

import numpy as np
import orjson
import pytest

faiss = pytest.importorskip("faiss")
from codesearch.ann import KINDS, build_index, search
from codesearch.store import FUNCTIONS_FILE, INDEX_FILE, META_FILE, IndexFileError, load_index, save_index, sha256_file

PARAMS = {"flat": {}, "hnsw": dict(M=16, efConstruction=80, efSearch=48), "ivf": dict(nlist=64, nprobe=6), "ivfpq": dict(nlist=64, pq_m=8, nprobe=6)}


@pytest.fixture(scope="module")
def vectors():
    "10,000 clustered unit vectors (enough for IVF-PQ's codebooks) and 40 queries near them."
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((30, 48)).astype(np.float32)
    X = centres[rng.integers(30, size=10_000)] + 0.5 * rng.standard_normal((10_000, 48)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q = X[:40] + 0.2 * rng.standard_normal((40, 48)).astype(np.float32)
    return X, Q / np.linalg.norm(Q, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def ids(vectors):
    return [dict(id=i + 1000, package="pkg", path=f"pkg/m{i % 7}.py", func_name=f"f{i}", start_line=i % 500 + 1) for i in range(len(vectors[0]))]


@pytest.fixture(scope="module")
def saved(tmp_path_factory, vectors, ids):
    "One saved folder per index kind, with the index it was saved from."
    faiss.omp_set_num_threads(1)
    root = tmp_path_factory.mktemp("indexes")
    out = {}
    for kind in KINDS:
        ix = build_index(vectors[0], kind, **PARAMS[kind])
        out[kind] = (ix, save_index(root / kind, ix, ids, {"model": "test-model", "build": PARAMS[kind]}))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_reloaded_index_gives_the_same_results(saved, vectors, ids, kind):
    ix, folder = saved[kind]
    S0, I0 = search(ix, vectors[1], 10)
    ix2, ids2, meta = load_index(folder, dim=48)
    S1, I1 = search(ix2, vectors[1], 10)
    np.testing.assert_array_equal(I0, I1)
    np.testing.assert_array_equal(S0, S1)
    assert ids2 == ids
    assert (meta["kind"], meta["n"], meta["dim"], meta["model"]) == (kind, 10_000, 48, "test-model")
    assert meta["search"] == {k: v for k, v in PARAMS[kind].items() if k in ("efSearch", "nprobe")}


def test_approximate_indexes_find_the_exact_neighbours(saved, vectors):
    _, exact = search(saved["flat"][0], vectors[1], 10)
    for kind, floor in (("hnsw", 0.85), ("ivf", 0.9), ("ivfpq", 0.4)):  # measured: 0.93, 1.00, 0.55
        _, found = search(load_index(saved[kind][1])[0], vectors[1], 10)
        assert (found[:, :, None] == exact[:, None, :]).any(1).mean() >= floor, kind


def test_folder_is_data_only(saved):
    folder = saved["hnsw"][1]
    assert sorted(p.name for p in folder.iterdir()) == sorted([INDEX_FILE, FUNCTIONS_FILE, META_FILE])
    meta = json.loads((folder / META_FILE).read_text())  # plain JSON
    assert set(meta["files"]) == {INDEX_FILE, FUNCTIONS_FILE} and all(len(f["sha256"]) == 64 for f in meta["files"].values())
    assert (folder / INDEX_FILE).read_bytes()[:4] == b"IHNf"  # a faiss header, not a pickle (b"\x80")


def _copy(saved, tmp_path, kind="hnsw"):
    d = tmp_path / "copy"
    shutil.copytree(saved[kind][1], d)
    return d


def _damage(p, how):
    b = bytearray(p.read_bytes())
    if how == "half": b = b[:len(b) // 2]
    elif how == "empty": b = b""
    elif how == "last-byte-cut": b = b[:-1]
    elif how == "extra-byte": b += b"\0"
    elif how.startswith("flip"):
        at = {"flip-header": 2, "flip-middle": len(b) // 2, "flip-end": len(b) - 1}[how]
        b[at] ^= 0x01
    p.write_bytes(bytes(b))


@pytest.mark.parametrize("name", [INDEX_FILE, FUNCTIONS_FILE])
@pytest.mark.parametrize("how,says", [("half", "truncated"), ("empty", "truncated"), ("last-byte-cut", "truncated"), ("extra-byte", "truncated or was replaced"),
                                      ("flip-header", "corrupt"), ("flip-middle", "corrupt"), ("flip-end", "corrupt")])
def test_damaged_file_gives_a_clear_error(saved, tmp_path, name, how, says):
    d = _copy(saved, tmp_path)
    _damage(d / name, how)
    with pytest.raises(IndexFileError, match=f"{name}.*{says}.*rebuild the index with `codesearch index"):
        load_index(d)


@pytest.mark.parametrize("name", [INDEX_FILE, FUNCTIONS_FILE, META_FILE])
def test_missing_file_gives_a_clear_error(saved, tmp_path, name):
    d = _copy(saved, tmp_path)
    (d / name).unlink()
    with pytest.raises(IndexFileError, match=f"{name} is missing.*rebuild"):
        load_index(d)
    with pytest.raises(IndexFileError, match="missing"):
        load_index(tmp_path / "no-such-folder")


@pytest.mark.parametrize("meta_text,says", [("{not json", "not valid JSON"), ("[]", "not index metadata"), ('{"format": 1}', "older codesearch"),
                                             ('{"format": 99, "dim": 48, "n": 10000, "files": {}}', "not index metadata")])
def test_bad_metadata_gives_a_clear_error(saved, tmp_path, meta_text, says):
    d = _copy(saved, tmp_path)
    (d / META_FILE).write_text(meta_text)
    with pytest.raises(IndexFileError, match=says):
        load_index(d)


@pytest.mark.parametrize("field,value", [("n", 9_999), ("dim", 64)])
def test_metadata_that_disagrees_with_the_index(saved, tmp_path, field, value):
    d = _copy(saved, tmp_path)
    meta = json.loads((d / META_FILE).read_text())
    meta[field] = value
    (d / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(IndexFileError, match="must agree"):
        load_index(d)


def _replace(d, name, data: bytes):
    "Replace a file and re-sign it in meta.json, as a faulty tool would: checksums pass, the content is wrong."
    (d / name).write_bytes(data)
    meta = json.loads((d / META_FILE).read_text())
    meta["files"][name] = dict(bytes=len(data), sha256=sha256_file(d / name))
    (d / META_FILE).write_text(json.dumps(meta))


def test_id_map_of_the_wrong_length(saved, tmp_path, ids):
    d = _copy(saved, tmp_path)
    _replace(d, FUNCTIONS_FILE, orjson.dumps(ids[:-3]))
    with pytest.raises(IndexFileError, match="9997 records.*must agree"):
        load_index(d)


def test_signed_garbage_is_still_refused(saved, tmp_path):
    d = _copy(saved, tmp_path)
    _replace(d, INDEX_FILE, b"garbage!" * 64)
    with pytest.raises(IndexFileError, match="faiss cannot read it"):
        load_index(d)
    _replace(d, INDEX_FILE, (saved["ivf"][1] / INDEX_FILE).read_bytes())  # a valid index of the same n and dim, but another kind
    with pytest.raises(IndexFileError, match="holds a ivf index but meta.json says hnsw"):
        load_index(d)


def test_query_model_of_another_dimension(saved):
    with pytest.raises(IndexFileError, match="dim 48.*dim 64"):
        load_index(saved["ivf"][1], dim=64)


def test_save_refuses_an_id_map_of_the_wrong_length(saved, tmp_path, ids):
    with pytest.raises(ValueError, match="one row per vector"):
        save_index(tmp_path / "x", saved["flat"][0], ids[:10])
    assert issubclass(IndexFileError, ValueError)
