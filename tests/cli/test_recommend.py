"""``optimlab recommend fit|evaluate|top``: files, tables, and exit code 2 with a clear message."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimlab.cli.main import app
from optimlab.recommend import MODELS, load_model

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["recommend", *map(str, args)])


def ok(result):
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def fails(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)
    return result.output


@pytest.fixture
def csv(tmp_path):
    """Ratings of 25 users on 30 items, users 'u0'..'u24', items 'i0'..'i29', column names u, i, r."""
    rng = np.random.default_rng(0)
    pairs = rng.choice(25 * 30, size=300, replace=False)
    df = pd.DataFrame({"u": [f"u{x}" for x in pairs // 30], "i": [f"i{x}" for x in pairs % 30],
                       "r": rng.integers(1, 6, 300)})
    path = tmp_path / "ratings.csv"
    df.to_csv(path, index=False)
    return path


def test_fit_saves_a_model_and_refuses_to_overwrite(tmp_path, csv):
    out = tmp_path / "m.pkl"
    text = ok(run("fit", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r", "--out", out,
                  "--epochs", "3", "--factors", "4"))
    assert out.is_file()
    assert "MatrixFactorization" in text and "Saved" in text
    model = load_model(out)
    assert model.factors == 4 and model.epochs == 3 and model.result_.n_iter == 3
    assert len(model.user_ids_) == 25 and len(model.item_ids_) == 30
    before = out.read_bytes()
    fails(run("fit", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r", "--out", out),
          "--force")
    assert out.read_bytes() == before
    ok(run("fit", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r", "--out", out,
           "--epochs", "2", "--force", "--param", "solver=als"))
    model = load_model(out)
    assert model.solver == "als" and model.epochs == 2


def test_fit_implicit_models(tmp_path, csv):
    for name in ("ials", "bpr", "ease", "itemknn", "popularity"):
        out = tmp_path / f"{name}.pkl"
        args = ["fit", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--model", name, "--out", out]
        if name in ("ials", "bpr"):
            args += ["--epochs", "2", "--factors", "3"]
        ok(run(*args))
        assert type(load_model(out)) is MODELS[name]


def test_top_prints_k_ranks(tmp_path, csv):
    out = tmp_path / "m.pkl"
    ok(run("fit", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--model", "ials", "--epochs", "2",
           "--out", out))
    text = ok(run("top", "--model", out, "--user", "u3", "--k", "5"))
    model = load_model(out)
    items, scores = model.recommend("u3", k=5, return_scores=True)
    lines = [line for line in text.splitlines() if line.strip()[:1].isdigit() or "│" in line]
    rows = [line for line in lines if any(f" {x} " in line for x in items)]
    assert len(rows) == 5
    for rank, (item, score, line) in enumerate(zip(items, scores, rows, strict=True), start=1):
        assert str(rank) in line and f" {item} " in line and f"{score:.4f}" in line
    assert "Top 5 for user u3" in text
    # a user with fewer candidates than k gets a shorter list (no None rows)
    text = ok(run("top", "--model", out, "--user", "u3", "--k", "100"))
    assert "None" not in text
    # --include-seen adds the training items back
    seen = ok(run("top", "--model", out, "--user", "u3", "--k", "30", "--include-seen"))
    assert all(f" i{j} " in seen for j in range(30))


def test_top_errors(tmp_path, csv):
    out = tmp_path / "m.pkl"
    ok(run("fit", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--model", "popularity",
           "--out", out))
    fails(run("top", "--model", out, "--user", "nobody"), "nobody", "fold_in")
    fails(run("top", "--model", out, "--user", "u1", "--k", "0"), "--k")
    fails(run("top", "--model", tmp_path / "absent.pkl", "--user", "u1"), "absent.pkl")
    fails(run("top", "--model", csv, "--user", "u1"), "not an optimlab model file")


def test_top_integer_user_ids(tmp_path):
    path = tmp_path / "events.tsv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"user": rng.integers(0, 10, 120), "item": rng.integers(100, 120, 120)}).to_csv(
        path, sep="\t", index=False)
    out = tmp_path / "m.pkl"
    ok(run("fit", path, "--user-col", "user", "--item-col", "item", "--implicit", "--model", "ease",
           "--out", out))
    text = ok(run("top", "--model", out, "--user", "3", "--k", "4"))
    assert "Top 4 for user 3" in text
    fails(run("top", "--model", out, "--user", "abc"), "integers")


def test_evaluate_prints_a_table_with_popularity(tmp_path, csv):
    text = ok(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--models", "ials,bpr",
                  "--k", "5", "--epochs", "3", "--factors", "4"))
    for word in ("popularity", "ials", "bpr", "ndcg@5", "precision@5"):
        assert word in text
    assert "rmse" not in text  # no rating model, so the column is left out


def test_evaluate_explicit_writes_files(tmp_path, csv):
    out = tmp_path / "metrics"
    text = ok(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r",
                  "--models", "mf,ease", "--epochs", "3", "--k", "3", "--param", "ease:l2=10",
                  "--out", out))
    assert "mf" in text and "rmse" in text
    table = pd.read_csv(out / "metrics.csv", index_col=0)
    assert list(table.index) == ["popularity", "mf", "ease"]
    assert np.isfinite(table.loc["mf", "rmse"]) and np.isnan(table.loc["ease", "rmse"])
    meta = json.loads((out / "metrics.json").read_text())
    assert meta["k"] == 3 and set(meta["metrics"]) == {"popularity", "mf", "ease"}
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r",
              "--models", "ease", "--out", out), "--force")


@pytest.mark.parametrize("split", ["random", "leave-one-out"])
def test_evaluate_splits(csv, split):
    ok(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--models", "ease",
           "--split", split, "--k", "3"))


def test_evaluate_skips_mf_on_implicit(csv):
    text = ok(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--models", "mf,ease",
                  "--k", "3"))
    assert "Skipping mf" in text


def test_unknown_column_is_named(tmp_path, csv):
    fails(run("fit", csv, "--user-col", "user_id", "--item-col", "i", "--rating-col", "r",
              "--out", tmp_path / "m.pkl"), "user_id")
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "stars"), "stars")
    assert not (tmp_path / "m.pkl").exists()


def test_missing_rating_or_implicit(tmp_path, csv):
    fails(run("fit", csv, "--user-col", "u", "--item-col", "i", "--out", tmp_path / "m.pkl"),
          "--rating-col", "--implicit")
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i"), "--rating-col", "--implicit")
    fails(run("fit", csv, "--out", tmp_path / "m.pkl"), "--user-col")


def test_unknown_model_and_wrong_parameters(tmp_path, csv):
    base = ("fit", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--out", tmp_path / "m.pkl")
    fails(run(*base, "--model", "svd"), "svd", "ials")
    fails(run(*base, "--model", "ials", "--param", "learning_rate=0.1"), "learning_rate", "ImplicitALS")
    fails(run(*base, "--model", "ials", "--param", "alpha"), "name=value")
    fails(run(*base, "--model", "ease", "--factors", "3"), "--factors", "ease")
    fails(run(*base, "--model", "ials", "--param", "solver=lu"), "solver")
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--models", "ials,svd"),
          "svd")
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--models", "ials",
              "--param", "alpha=3"), "model:name=value")
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--models", "ials",
              "--param", "bpr:alpha=3"), "bpr")
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--models", "ials",
              "--param", "ials:nonsense=3"), "nonsense")
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--implicit", "--split", "bogus"),
          "--split")
    assert not (tmp_path / "m.pkl").exists()


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    fails(run("fit", empty, "--user-col", "u", "--item-col", "i", "--implicit", "--out", tmp_path / "m.pkl"),
          "empty")
    header_only = tmp_path / "header.csv"
    header_only.write_text("u,i,r\n")
    fails(run("fit", header_only, "--user-col", "u", "--item-col", "i", "--implicit",
              "--out", tmp_path / "m.pkl"), "empty")
    fails(run("evaluate", tmp_path / "absent.csv", "--user-col", "u", "--item-col", "i", "--implicit"),
          "absent.csv")


def test_evaluate_time_split_with_a_timestamp_column(tmp_path, csv):
    df = pd.read_csv(csv)
    df["t"] = np.arange(len(df))
    path = tmp_path / "timed.csv"
    df.to_csv(path, index=False)
    text = ok(run("evaluate", path, "--user-col", "u", "--item-col", "i", "--rating-col", "r",
                  "--timestamp-col", "t", "--split", "time", "--models", "mf", "--k", "5"))
    assert "popularity" in text and "mf" in text
    fails(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r", "--split", "time"),
          "timestamp")


def test_evaluate_skips_a_model_that_refuses_the_data(tmp_path, csv):
    text = ok(run("evaluate", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r",
                  "--models", "ease,itemknn", "--param", "ease:max_items=5", "--k", "5"))
    assert "Skipping ease" in text and "max_items" in text
    assert "itemknn" in text and "popularity" in text


def test_evaluate_takes_models_repeated_or_comma_separated(csv):
    args = ("evaluate", csv, "--user-col", "u", "--item-col", "i", "--rating-col", "r", "--k", "5")
    repeated = ok(run(*args, "--model", "itemknn", "--model", "mf"))
    listed = ok(run(*args, "--models", "itemknn,mf"))
    for text in (repeated, listed):
        assert "itemknn" in text and "mf" in text and "popularity" in text and "bpr" not in text
