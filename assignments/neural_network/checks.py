"""The checks of assignment 04, build your own neural network, in the order the report shows them.

Each layer's, the loss's and randomness's come from ``layer_checks``; whole
networks', optimisers' and training's from ``model_checks``.
"""

from grader.checking.checks import CheckSet

from . import layer_checks, model_checks

checks = CheckSet.joined(layer_checks.checks, model_checks.checks)
