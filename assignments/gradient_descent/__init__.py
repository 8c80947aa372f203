"""Assignment 00 `gradient_descent`."""
