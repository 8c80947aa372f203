"""Assignment 02 `logistic_regression`."""
