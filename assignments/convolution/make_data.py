"""Draw the digits that assignment 06's training run uses, from the project's MNIST subset.

    python -m assignments.convolution.make_data MNIST_SMALL_DIR assignments/convolution/data

MNIST_SMALL_DIR holds the four IDX files of the keras_mnist tests' subset
(2,000 training and 500 test digits of the MNIST test set). The first
PER_DIGIT training digits of each class, in the subset's order, become the
training set; all 500 test digits the test set. Each image is shrunk from
28 x 28 to 14 x 14 by the mean of each 2 x 2 block, rounded to a byte. The
output, four gzipped IDX files, depends only on the input.
"""

import sys

import numpy as np

from grader.checking.mnist import read_idx_folder, write_idx_folder

PER_DIGIT = 100


def shrink(images):
    """28 x 28 bytes to 14 x 14: the rounded mean of each 2 x 2 block."""
    blocks = images.astype(np.float64).reshape(len(images), 14, 2, 14, 2)
    return np.rint(blocks.mean(axis=(2, 4))).astype(np.uint8)


def draw(mnist):
    """``{"x_train", "y_train", "x_test", "y_test"}`` from an ``MnistData``."""
    y = mnist.y_train
    rank = np.array([np.count_nonzero(y[:i] == label) for i, label in enumerate(y)])
    rows = np.flatnonzero(rank < PER_DIGIT)
    return {"x_train": shrink(mnist.x_train[rows]), "y_train": y[rows],
            "x_test": shrink(mnist.x_test), "y_test": mnist.y_test}


def main(source, out_dir):
    write_idx_folder(out_dir, draw(read_idx_folder(source)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    main(sys.argv[1], sys.argv[2])
