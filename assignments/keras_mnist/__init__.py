"""Assignment 05: classify MNIST digits with Keras (data loading, training, stub)."""
