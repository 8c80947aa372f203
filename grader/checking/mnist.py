"""Loading MNIST (the Keras homework, the convolution assignment), with NumPy and the standard library only.

The grader's own process uses this module, so it never imports TensorFlow or
Keras; the last resort of `locate`, a download by Keras, runs in a subprocess.

Two formats are read:
- an ``mnist.npz`` as Keras saves it (keys ``x_train``, ``y_train``, ``x_test``,
  ``y_test``);
- a folder holding the four original IDX files, gzipped:
  ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
  ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``.

Every file is checked completely (IDX magic numbers and counts, exact byte
counts, shapes, dtypes, label range): a truncated or corrupt file raises
`DataError` naming the file, never a partial data set.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

IMAGE_SHAPE = (28, 28)
N_CLASSES = 10

IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
ENV_VAR = "GRADE_MNIST"
DOWNLOAD_TIMEOUT_S = 120.0
MAX_IMAGES = 1_000_000  # a sanity bound on a header's count, far above MNIST's 70,000

HOW_TO_FIX = f"""\
To put the data in place, do one of:
  - copy mnist.npz (as Keras saves it) to {{cache}}
  - pass --data PATH, where PATH is an mnist.npz or a folder holding
    {", ".join(IDX_FILES.values())}
  - set the environment variable {ENV_VAR}=PATH (same forms)
  - on a machine with internet access, run
    python -c "import keras; keras.datasets.mnist.load_data()"
    and copy the file it writes ({{cache}})"""


class DataError(Exception):
    """The MNIST data is unreadable, corrupt or incomplete; the message names the file."""


class DataNotFound(DataError):
    """No MNIST data was found; the message lists what was tried and how to fix it."""


@dataclass(frozen=True, eq=False)
class MnistData:
    """MNIST images (uint8, ``(m, 28, 28)``) and labels (uint8, ``(m,)``, 0..9).

    The arrays are read-only. `source` says where the data came from.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __repr__(self) -> str:
        return (f"MnistData({len(self.x_train)} train, {len(self.x_test)} test, "
                f"source={self.source!r})")


def _make(x_train, y_train, x_test, y_test, source: str) -> MnistData:
    parts = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    checked = {}
    for split in ("train", "test"):
        x, y = parts[f"x_{split}"], parts[f"y_{split}"]
        checked[f"x_{split}"] = _check_images(x, f"{source}: x_{split}")
        checked[f"y_{split}"] = _check_labels(y, f"{source}: y_{split}")
        if len(x) != len(y):
            raise DataError(f"{source}: {len(x)} {split} images but {len(y)} {split} labels")
    return MnistData(**checked, source=source)


def _check_images(x: np.ndarray, what: str) -> np.ndarray:
    if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
        raise DataError(f"{what}: expected images of shape (m, 28, 28), got {x.shape}")
    if x.dtype != np.uint8:
        raise DataError(f"{what}: expected uint8 pixels, got {x.dtype}")
    if len(x) == 0:
        raise DataError(f"{what}: holds no images")
    x = np.ascontiguousarray(x)
    x.setflags(write=False)
    return x


def _check_labels(y: np.ndarray, what: str) -> np.ndarray:
    if y.ndim != 1:
        raise DataError(f"{what}: expected labels of shape (m,), got {y.shape}")
    if y.dtype.kind not in "iu":
        raise DataError(f"{what}: expected integer labels, got {y.dtype}")
    if len(y) and (y.min() < 0 or y.max() >= N_CLASSES):
        raise DataError(f"{what}: labels must lie in 0..9, found {y.min()}..{y.max()}")
    y = np.ascontiguousarray(y, dtype=np.uint8)
    y.setflags(write=False)
    return y


# --- IDX ------------------------------------------------------------------

def read_idx(path: str | os.PathLike, magic: int) -> np.ndarray:
    """Read one gzipped IDX file of unsigned bytes; return its array.

    `magic` is 2051 for images (the array has shape ``(m, rows, cols)``) or
    2049 for labels (shape ``(m,)``). The header's magic number and counts are
    checked, and the data must hold exactly the bytes the header announces.
    """
    path = Path(path)
    ndim = magic & 0xFF
    try:
        with gzip.open(path, "rb") as f:
            header = f.read(4 + 4 * ndim)
            if len(header) < 4:
                raise DataError(f"{path}: too short for an IDX header ({len(header)} bytes)")
            found = int.from_bytes(header[:4], "big")
            if found != magic:
                raise DataError(f"{path}: bad IDX magic number {found}, expected {magic} "
                                f"({'images' if magic == IDX_IMAGES_MAGIC else 'labels'})")
            if len(header) < 4 + 4 * ndim:
                raise DataError(f"{path}: IDX header cut short ({len(header)} bytes)")
            shape = tuple(int.from_bytes(header[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
            if shape[0] > MAX_IMAGES:
                raise DataError(f"{path}: IDX header announces {shape[0]} items, "
                                f"more than {MAX_IMAGES}")
            size = int(np.prod(shape))
            data = f.read(size)
            if len(data) != size:
                raise DataError(f"{path}: data cut short: the header announces {shape} "
                                f"= {size} bytes, the file holds {len(data)}")
            if f.read(1):
                raise DataError(f"{path}: more data than the header announces ({shape})")
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: missing") from None
    except EOFError:
        raise DataError(f"{path}: truncated gzip file (the compressed data ends early)") from None
    except (gzip.BadGzipFile, zlib.error) as e:
        raise DataError(f"{path}: corrupt gzip file ({e})") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e}") from None
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a uint8 array (images ``(m, rows, cols)`` or labels ``(m,)``) as a
    gzipped IDX file; the bytes depend only on the array (no timestamp)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = {3: IDX_IMAGES_MAGIC, 1: IDX_LABELS_MAGIC}[array.ndim]
    header = b"".join(int(n).to_bytes(4, "big") for n in (magic, *array.shape))
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as f:
        f.write(header + array.tobytes())


def write_idx_folder(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``{"x_train": ..., "y_train": ..., ...}`` as the IDX files of a folder that
    ``read_idx_folder`` reads (the folder is made where missing); say each file written."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        write_idx(out / IDX_FILES[key], array)
        print(f"{out / IDX_FILES[key]}: {array.shape}")


def read_idx_pair(images_path: str | os.PathLike, labels_path: str | os.PathLike
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Read an IDX images file and its labels file; return ``(images, labels)``, checked."""
    x = _check_images(read_idx(images_path, IDX_IMAGES_MAGIC), str(images_path))
    y = _check_labels(read_idx(labels_path, IDX_LABELS_MAGIC), str(labels_path))
    if len(x) != len(y):
        raise DataError(f"{images_path} holds {len(x)} images but {labels_path} "
                        f"holds {len(y)} labels")
    return x, y


def read_idx_folder(path: str | os.PathLike) -> MnistData:
    """Read a folder holding the four gzipped IDX files of MNIST."""
    folder = Path(path)
    missing = [name for name in IDX_FILES.values() if not (folder / name).is_file()]
    if missing:
        raise DataError(f"{folder}: missing {', '.join(missing)}")
    x_train, y_train = read_idx_pair(folder / IDX_FILES["x_train"], folder / IDX_FILES["y_train"])
    x_test, y_test = read_idx_pair(folder / IDX_FILES["x_test"], folder / IDX_FILES["y_test"])
    return _make(x_train, y_train, x_test, y_test, source=str(folder))


def read_test_idx(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read only the test set (``t10k-*`` IDX files) of a folder: ``(images, labels)``.

    For calibration where only the 10,000 test images are at hand; see
    `split_test_set`. `locate` never returns a test set alone.
    """
    folder = Path(path)
    return read_idx_pair(folder / IDX_FILES["x_test"], folder / IDX_FILES["y_test"])


# --- npz ------------------------------------------------------------------

def read_npz(path: str | os.PathLike) -> MnistData:
    """Read an ``mnist.npz`` as Keras saves it."""
    path = Path(path)
    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in NPZ_KEYS if k not in z.files]
            if missing:
                raise DataError(f"{path}: missing key(s) {', '.join(missing)} "
                                f"(found {', '.join(z.files) or 'none'})")
            for k in NPZ_KEYS:
                arrays[k] = z[k]
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: missing") from None
    except Exception as e:  # a damaged archive fails in many ways: zipfile, zlib, numpy's parser
        raise DataError(f"{path}: not a readable .npz file ({type(e).__name__}: {e})") from None
    return _make(**arrays, source=str(path))


# --- finding the data -----------------------------------------------------

def read_path(path: str | os.PathLike) -> MnistData:
    """Read MNIST from an ``.npz`` file, or from a folder of the four IDX files
    (or a folder holding ``mnist.npz``). Raises `DataNotFound` if nothing is
    there and `DataError` if what is there is unusable."""
    path = Path(path).expanduser()
    if path.is_file():
        return read_npz(path)
    if path.is_dir():
        present = [name for name in IDX_FILES.values() if (path / name).is_file()]
        if not present and (path / "mnist.npz").is_file():
            return read_npz(path / "mnist.npz")
        if present == [IDX_FILES["x_test"], IDX_FILES["y_test"]]:
            raise DataError(f"{path}: holds only the test set (t10k-*); grading needs the "
                            f"training set too ({IDX_FILES['x_train']}, {IDX_FILES['y_train']})")
        return read_idx_folder(path)
    raise DataNotFound(f"{path}: missing")


def keras_cache_path(env: Mapping[str, str] = os.environ) -> Path:
    """Where Keras keeps ``mnist.npz``: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    if env.get("KERAS_HOME"):
        base = Path(env["KERAS_HOME"]).expanduser()
    else:
        base = Path(env.get("HOME") or Path.home()) / ".keras"
    return base / "datasets" / "mnist.npz"


def _download_with_keras(env: Mapping[str, str], timeout_s: float) -> str | None:
    """Let Keras download MNIST in a subprocess; return None, or why it failed."""
    if importlib.util.find_spec("keras") is None:
        return "keras is not installed"
    child_env = dict(env)
    child_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import keras; keras.datasets.mnist.load_data()"],
            env=child_env, capture_output=True, text=True, timeout=timeout_s,
            stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"no answer within {timeout_s:.0f} s"
    except OSError as e:
        return f"could not start Python: {e}"
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else f"exit status {done.returncode}"
    return None


def locate(explicit: str | os.PathLike | None = None,
           env: Mapping[str, str] = os.environ, *,
           download: bool = True,
           download_timeout_s: float = DOWNLOAD_TIMEOUT_S) -> MnistData:
    """Find and read MNIST.

    In this order: `explicit` (an ``.npz`` file or a folder of the four IDX
    ``.gz`` files), the environment variable ``GRADE_MNIST`` (same forms),
    Keras's cache (``~/.keras/datasets/mnist.npz``, or under ``$KERAS_HOME``),
    and last, if `download`, ``keras.datasets.mnist.load_data()`` run in a
    subprocess (this process never imports Keras), after which the cache is read.

    A path named by `explicit` or ``GRADE_MNIST`` is final: if it is missing or
    unusable, the error says so instead of falling through to other sources.
    A corrupt file raises `DataError` at once. When nothing is found,
    `DataNotFound` lists every path tried, why each failed, and how to fix it.
    """
    cache = keras_cache_path(env)
    if explicit is not None:
        return _read_named(explicit, "--data", cache)
    if env.get(ENV_VAR):
        return _read_named(env[ENV_VAR], ENV_VAR, cache)

    tried = ["--data: not given", f"{ENV_VAR}: not set"]
    if cache.is_file():
        return read_npz(cache)
    tried.append(f"Keras cache {cache}: missing")
    if download:
        failure = _download_with_keras(env, download_timeout_s)
        if failure is None and cache.is_file():
            return read_npz(cache)
        if failure is None:
            failure = f"Keras reported success but wrote no {cache}"
        tried.append(f"download with keras.datasets.mnist.load_data(): {failure}")
    else:
        tried.append("download with keras.datasets.mnist.load_data(): not attempted")
    raise DataNotFound(_not_found_message(tried, cache))


def _read_named(path, label: str, cache: Path) -> MnistData:
    try:
        return read_path(path)
    except DataNotFound:
        raise DataNotFound(_not_found_message([f"{label} {path}: missing"], cache)) from None


def _not_found_message(tried: list[str], cache: Path) -> str:
    lines = ["MNIST data not found. Tried, in order:"]
    lines += [f"  {i}. {t}" for i, t in enumerate(tried, 1)]
    return "\n".join(lines) + "\n" + HOW_TO_FIX.format(cache=cache)


# --- calibration ----------------------------------------------------------

def split_test_set(data: MnistData | tuple[np.ndarray, np.ndarray],
                   n_train: int, n_test: int, seed: int) -> MnistData:
    """Split a test set into a train and a test part, for calibration.

    `data` is an `MnistData` (its test set is split) or a pair ``(images,
    labels)``. A permutation drawn with ``numpy.random.default_rng(seed)`` puts
    its first `n_train` images in the train part and the next `n_test` in the
    test part: the course's 8,000 / 2,000 split is ``(8000, 2000, seed)``.
    """
    if isinstance(data, MnistData):
        x, y, source = data.x_test, data.y_test, f"test set of {data.source}"
    else:
        x, y = data
        source = "a test set"
    if n_train < 1 or n_test < 1 or n_train + n_test > len(x):
        raise ValueError(f"cannot split {len(x)} images into {n_train} train and {n_test} test")
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:n_train], order[n_train:n_train + n_test]
    return _make(x[train], y[train], x[test], y[test],
                 source=f"{source}, split {n_train} / {n_test} (seed {seed})")
