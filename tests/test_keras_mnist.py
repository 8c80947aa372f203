"""Assignment 05, keras_mnist: the MNIST loader on real digits, and graded training runs.

The loader's tests run offline on the vendored subset of the real MNIST test set
(tests/data/mnist_small, CC BY-SA 3.0, see its README). Training runs are slow.
"""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.checking import mnist as data
from grader.checking.grading import grade_file

from conftest import HERE, SUBMISSIONS, variants

SMALL = HERE / "data" / "mnist_small"
REFERENCE = Path(__file__).parent.parent / "reference" / "keras_mnist.py"


def test_the_vendored_subset_is_real_mnist_read_by_the_idx_parser():
    mnist = data.read_path(SMALL)
    assert mnist.x_train.shape == (2000, 28, 28) and mnist.x_test.shape == (500, 28, 28)
    assert mnist.x_train.dtype == np.uint8 and mnist.x_train.max() == 255
    assert np.bincount(mnist.y_train, minlength=10).tolist() == [200] * 10


@pytest.fixture
def copy_of_small(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in data.IDX_FILES.values():
        (folder / name).write_bytes((SMALL / name).read_bytes())
    return folder


def test_a_truncated_gz_is_an_error_naming_the_file(copy_of_small):
    target = copy_of_small / data.IDX_FILES["x_train"]
    target.write_bytes(target.read_bytes()[:50_000])
    with pytest.raises(data.DataError, match="train-images-idx3-ubyte.gz"):
        data.read_path(copy_of_small)


def test_a_short_idx_body_is_never_a_partial_data_set(copy_of_small):
    target = copy_of_small / data.IDX_FILES["y_test"]
    raw = gzip.decompress(target.read_bytes())
    target.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(data.DataError, match="t10k-labels-idx1-ubyte.gz"):
        data.read_path(copy_of_small)


def test_a_corrupt_npz_is_an_error(tmp_path):
    mnist = data.read_path(SMALL)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=mnist.x_train, y_train=mnist.y_train, x_test=mnist.x_test, y_test=mnist.y_test)
    assert len(data.read_npz(path).x_train) == 2000
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(data.DataError, match="mnist.npz"):
        data.read_npz(path)


def test_locate_order_explicit_then_env_then_keras_cache(tmp_path, copy_of_small):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    mnist = data.read_path(SMALL)
    np.savez(cache / "mnist.npz", x_train=mnist.x_train[:100], y_train=mnist.y_train[:100],
             x_test=mnist.x_test, y_test=mnist.y_test)
    env = {"KERAS_HOME": str(tmp_path / "keras")}
    assert len(data.locate(None, env, download=False).x_train) == 100
    assert len(data.locate(None, {**env, "GRADE_MNIST": str(copy_of_small)}, download=False).x_train) == 2000
    assert len(data.locate(SMALL, env, download=False).x_train) == 2000


def test_nothing_found_says_which_paths_were_tried_and_how_to_fix_it(tmp_path):
    env = {"KERAS_HOME": str(tmp_path / "nowhere")}
    with pytest.raises(data.DataNotFound) as info:
        data.locate(None, env, download=False)
    message = str(info.value)
    assert "--data: not given" in message and "GRADE_MNIST: not set" in message
    assert str(tmp_path / "nowhere" / "datasets" / "mnist.npz") in message and "--data PATH" in message


def test_cli_truncated_data_exits_2_with_a_clear_error(grade_cli, copy_of_small):
    target = copy_of_small / data.IDX_FILES["x_test"]
    target.write_bytes(target.read_bytes()[:1000])
    code, output, _ = grade_cli("check", SUBMISSIONS / "keras_mnist/correct/mlp.py", "-a", "keras_mnist",
                                "--data", copy_of_small)
    assert code == 2
    assert "t10k-images-idx3-ubyte.gz" in output


def test_loading_the_data_never_imports_tensorflow():
    code = ("import sys; from grader.checking.catalog import get_assignment\n"
            f"get_assignment('keras_mnist').prepare({{'data': {str(SMALL)!r}}})\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


# --- training runs ----------------------------------------------------------------------

def grade(path):
    return grade_file(path, assignment="keras_mnist", hidden=True, options={"data": str(SMALL)})


@pytest.mark.slow
def test_missing_data_set_exits_2_listing_the_paths_tried(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KERAS_HOME": str(tmp_path / "k")}
    grade = Path(sys.executable).parent / "grade"
    out = subprocess.run([str(grade), "check", str(SUBMISSIONS / "keras_mnist/correct/mlp.py"),
                          "-a", "keras_mnist"], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 2
    assert "MNIST data not found. Tried, in order:" in out.stderr
    assert str(tmp_path / "k" / "datasets" / "mnist.npz") in out.stderr


@pytest.mark.slow
def test_reference_passes_on_the_vendored_subset_the_same_way_twice(tmp_path):
    first, second = grade(REFERENCE), grade(REFERENCE)
    assert first.passed, [r.message for r in first.results]
    assert [r.message for r in first.results] == [r.message for r in second.results]  # same accuracy


@pytest.mark.slow
@pytest.mark.parametrize("path", variants("keras_mnist", "correct"), ids=lambda p: p.name)
def test_correct_variant_passes(path):
    report = grade(path)
    assert report.passed, [r.message for r in report.results]


# The words each buggy variant's message must contain: the cause, named.
CAUSES = json.loads((SUBMISSIONS / "keras_mnist" / "causes.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("path", variants("keras_mnist", "buggy"), ids=lambda p: p.name)
def test_buggy_variant_loses_points_saying_why(path):
    report = grade(path)
    tag = path.stem.split("__")[0]
    lost = [r for r in report.results if not r.passed and tag in r.tags]
    assert lost, [(r.name, r.message) for r in report.results]
    assert any(CAUSES[path.name].lower() in r.message.lower() for r in lost), [r.message for r in lost]


@pytest.mark.slow
def test_stub_scores_zero_saying_not_implemented():
    report = grade(Path(__file__).parent.parent / "assignments" / "keras_mnist" / "stub.py")
    assert report.score == 0
    assert all("not implemented yet" in r.message for r in report.results)


@pytest.mark.slow
def test_a_class_is_graded_in_batch_with_the_data_option(tmp_path, grade_cli):
    import shutil
    from click.testing import CliRunner
    from grader.cli import main
    for student, name in (("ada", "correct/mlp.py"), ("bob", "buggy/preprocess__not_scaled.py")):
        (tmp_path / "class" / student).mkdir(parents=True)
        shutil.copy(SUBMISSIONS / "keras_mnist" / name, tmp_path / "class" / student / "keras_mnist.py")
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "class"), "--workers", "2", "--quiet",
                                       "--gradebook", str(tmp_path / "g.sqlite"), "--data", str(SMALL)])
    assert result.exit_code == 0, result.output
    export = CliRunner().invoke(main, ["export", "--gradebook", str(tmp_path / "g.sqlite"), "--format", "csv"])
    rows = {line.split(",")[0]: line for line in export.output.splitlines()[1:]}
    assert set(rows) == {"ada", "bob"}
