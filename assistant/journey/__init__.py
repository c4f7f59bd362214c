"""Journey: the scripted commissioning decision tree, its checks, step evidence, estimator.

Loaded from ``corpus/journey.yaml`` and ``corpus/estimator.yaml``; each step's evidence comes
from the search stage. May import ``search`` and ``evidence``; never Flask.
"""
