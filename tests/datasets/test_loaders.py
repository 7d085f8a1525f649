"""Loaders: CSV and LIBSVM files, built-in data, task inference, and clear errors for bad input."""

import numpy as np
import pytest
import scipy.sparse as sp

from optimlab.datasets import DataError, check_target, infer_task, load_builtin, load_table


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_numeric_and_categorical(tmp_path):
    path = write(tmp_path, "d.csv", "a,color,label\n1.5,red,yes\n2,blue,no\n3,red,yes\n4,green,no\n")
    table = load_table(path, target="label")
    assert table.X.shape == (4, 4)
    assert table.feature_names == ["a", "color=blue", "color=green", "color=red"]
    np.testing.assert_array_equal(table.X[:, 0], [1.5, 2, 3, 4])
    np.testing.assert_array_equal(table.X[:, 3], [1, 0, 1, 0])
    assert table.y.tolist() == ["yes", "no", "yes", "no"]
    assert any("One-hot" in note and "'color' (3 levels)" in note for note in table.notes)


def test_csv_numeric_text_and_semicolons(tmp_path):
    path = write(tmp_path, "d.txt", "x; y\n 1 ; 0.5\n2;1.5\n3;2.5\n")
    table = load_table(path, target="y")
    np.testing.assert_array_equal(table.X.ravel(), [1, 2, 3])
    np.testing.assert_array_equal(table.y, [0.5, 1.5, 2.5])
    assert table.notes == []


def test_libsvm_is_sparse_and_detected_by_content(tmp_path):
    path = write(tmp_path, "d.txt", "1 1:0.5 3:1\n-1 2:2\n1 1:1 2:1 3:1\n")
    table = load_table(path)
    assert sp.isspmatrix_csr(table.X) and table.X.shape == (3, 3)
    np.testing.assert_array_equal(table.y, [1, -1, 1])
    with pytest.raises(DataError, match="LIBSVM"):
        load_table(path, target="label")


def test_builtin():
    table = load_builtin()
    assert table.X.shape == (569, 30)
    assert set(table.y) == {"malignant", "benign"}
    assert "breast_cancer" in table.name
    with pytest.raises(DataError, match="Unknown built-in"):
        load_builtin("mnist")


@pytest.mark.parametrize(
    ("y", "task"),
    [
        (["a", "b", "a"], "classification"),
        ([0, 1, 1, 0], "classification"),
        ([1.0, 2.0, 3.0], "classification"),
        (np.linspace(0, 1, 50), "regression"),
        (np.arange(100), "regression"),
        ([True, False], "classification"),
    ],
)
def test_infer_task(y, task):
    assert infer_task(y)[0] == task


@pytest.mark.parametrize(
    ("text", "target", "message"),
    [
        ("", "y", "is empty"),
        ("a,y\n", "y", "no data rows"),
        ("a,y\n1,2\n3,4,5\n", "y", "ragged: line 3 has 3 fields but the header has 2"),
        ("a,b,y\n1,2,3\n4,5\n", "y", "ragged: line 3 has 2 fields"),
        ("a,y\n1,2\n", "z", "No column 'z'.*columns are: a, y"),
        ("alpha,y\n1,2\n", "alpa", "Did you mean 'alpha'"),
        ("a,y\n1,2\n", None, "--target"),
        ("a,y\n1,\n2,3\n", "y", "Target 'y' has 1 missing"),
        ("a,b,y\n1,,1\n2,3,4\n", "y", r"Missing values in column\(s\) 'b' \(1 rows\)"),
        ("y\n1\n2\n", "y", "no features"),
    ],
)
def test_csv_errors(tmp_path, text, target, message):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(DataError, match=message):
        load_table(path, target=target)


def test_numeric_column_with_a_stray_value(tmp_path):
    rows = "\n".join(f"{i},{i % 2}" for i in range(30))
    path = write(tmp_path, "d.csv", "a,y\n" + rows + "\n?,1\n")
    with pytest.raises(DataError, match=r"'a' is numeric except for 1 value.*'\?'"):
        load_table(path, target="y")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="File not found"):
        load_table(tmp_path / "nope.csv", target="y")
    with pytest.raises(DataError, match="is a folder"):
        load_table(tmp_path, target="y")


def test_check_target():
    np.testing.assert_array_equal(check_target(["1", "2.5"], "regression"), [1.0, 2.5])
    with pytest.raises(DataError, match=r"not numeric.*'a'"):
        check_target(["a", "b"], "regression")
    with pytest.raises(DataError, match="single class"):
        check_target(["a", "a"], "classification")
    with pytest.raises(DataError, match="constant"):
        check_target([3.0, 3.0], "regression")
