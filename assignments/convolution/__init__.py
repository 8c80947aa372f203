"""Assignment 06 `convolution`."""
