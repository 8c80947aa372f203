"""Draw the small MNIST subset that the project's tests use.

    python -m assignments.keras_mnist.make_subset MNIST_DIR OUT_DIR

MNIST_DIR holds the MNIST test set (t10k-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz). From each digit's test images, in the order of a
permutation drawn with numpy.random.default_rng(SEED), the first N_TRAIN go to
the subset's training set and the next N_TEST to its test set; each set is then
shuffled with the same generator. OUT_DIR receives the four IDX files that
`data.read_idx_folder` reads. The output depends only on the input and SEED.
"""

import sys

import numpy as np

from grader.checking.mnist import read_test_idx, write_idx_folder

SEED = 0
N_TRAIN = 200  # per digit
N_TEST = 50  # per digit


def draw(images: np.ndarray, labels: np.ndarray, seed: int = SEED,
         n_train: int = N_TRAIN, n_test: int = N_TEST) -> dict[str, np.ndarray]:
    """Return ``{"x_train", "y_train", "x_test", "y_test"}``, stratified by digit."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        train.append(rows[:n_train])
        test.append(rows[n_train:n_train + n_test])
    train = rng.permutation(np.concatenate(train))
    test = rng.permutation(np.concatenate(test))
    return {"x_train": images[train], "y_train": labels[train],
            "x_test": images[test], "y_test": labels[test]}


def main(mnist_dir: str, out_dir: str) -> None:
    write_idx_folder(out_dir, draw(*read_test_idx(mnist_dir)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    main(sys.argv[1], sys.argv[2])
