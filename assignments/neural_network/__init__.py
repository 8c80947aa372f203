"""Assignment 04 neural_network: build your own network (layers, backprop, optimisers) in NumPy."""
