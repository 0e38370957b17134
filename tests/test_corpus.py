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
