"""The fast engine: numba batch kernels that reproduce the event-driven engine exactly.

Layout (vectorbt style): ``*_nb.py`` modules hold pure ``@njit(cache=True)`` kernels over arrays;
the plain-Python modules next to them slice data, compute each distinct indicator once, map
parameter combinations to arrays and gather results. ``api`` is the entry point the walk-forward
uses; it dispatches on the strategy's kind to ``grid`` or ``mono``, which share the result types
of ``results`` (``WindowMetrics``, ``DEFAULT_ACCOUNT``) and import nothing from ``api``. Every
combination arrives as the strategy's parameter struct (``StrategySpec.parse`` made it).
"""
