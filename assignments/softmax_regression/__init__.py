"""Assignment 03 `softmax_regression`."""
