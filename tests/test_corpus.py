"""The embedded corpus is deterministic and follows the schema and the split rules."""
import pandas as pd

from codesearch.data import COLUMNS, SPLITS, build_corpus, discover_packages


def test_build_is_deterministic_across_worker_counts(tmp_path):
    pkgs = discover_packages("json,csv,textwrap,difflib,calendar,gettext,fractions,statistics")
    (tmp_path / "a").mkdir(); (tmp_path / "b").mkdir()
    ma = build_corpus(tmp_path / "a", "x", 0, workers=1, packages=pkgs)
    mb = build_corpus(tmp_path / "b", "x", 0, workers=2, packages=pkgs)
    assert ma["content_hash"] == mb["content_hash"] and ma["n_pairs"] == mb["n_pairs"] > 50
    df = pd.read_parquet(tmp_path / "a" / "functions.parquet")
    assert list(df.columns) == COLUMNS
    # no package in two splits, every row's url points into its package's file
    assert df.groupby("package")["partition"].nunique().max() == 1
    assert set(df["partition"]) <= set(SPLITS)
    assert df["url"].str.match(r"^[\w./-]+\.py#L\d+-L\d+$").all()
    # CodeSearchNet filters hold on the output
    assert not df["func_name"].str.lower().str.contains("test").any()
    assert (df["docstring_tokens"].map(len) >= 3).all()
    assert (df["code"].map(lambda c: sum(1 for l in c.splitlines() if l.strip())) >= 3).all()
    assert not df["func_name"].str.rsplit(".", n=1).str[-1].str.match(r"^__.*__$").any()
    # the docstring is gone from the code the models see
    row = df.iloc[0]
    assert row["docstring"].split("\n")[0] not in row["code"]


def _pkg(root, name, dist, body):
    from codesearch.data import Package
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(body)
    return Package(name, root / name, "site-packages", "1.0", "MIT", dist)


FN = 'def {n}(width, height):\n    """Compute the {n} of a rectangle from its sides."""\n    product = width * height + {i}\n    return product\n'


def test_split_is_by_distribution_and_stable(tmp_path):
    "Modules of one distribution share a split; adding a distribution moves no other; the manifest states the rule and its check."
    from codesearch.data import split_of
    pkgs = [_pkg(tmp_path, f"mod{i}", f"dist{i // 2}", FN.format(n=f"area{i}", i=i)) for i in range(40)]  # two top-level modules per distribution
    (tmp_path / "a").mkdir(); (tmp_path / "b").mkdir()
    ma = build_corpus(tmp_path / "a", "x", 0, workers=1, packages=pkgs)
    extra = _pkg(tmp_path, "newcomer", "newcomer", FN.format(n="volume", i=99) + FN.format(n="volume2", i=98))
    mb = build_corpus(tmp_path / "b", "x", 0, workers=1, packages=pkgs + [extra])
    split_a = {p["name"]: p["split"] for p in ma["packages"]}
    split_b = {p["name"]: p["split"] for p in mb["packages"]}
    assert {k: v for k, v in split_b.items() if k != "newcomer"} == split_a
    assert all(split_a[f"mod{2 * d}"] == split_a[f"mod{2 * d + 1}"] == split_of(f"dist{d}", 0) for d in range(20))
    assert len(set(split_a.values())) == 3  # 20 distributions reach all three splits with seed 0
    assert ma["split_rule"].startswith("distribution -> SHA-256") and ma["distributions"] == 20 and ma["distributions_in_two_splits"] == 0
    assert abs(sum(ma["split_shares"].values()) - 1) < 1e-6
    df = pd.read_parquet(tmp_path / "a" / "functions.parquet")
    assert df.assign(dist=df["package"].map(lambda n: f"dist{int(n[3:]) // 2}")).groupby("dist")["partition"].nunique().max() == 1
