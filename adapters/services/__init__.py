"""Application services (the use cases): the composition root (``engine``), import, backtest,
walk-forward optimisation, dashboard jobs, paper trading and the commands on a portfolio,
applying parameters, doctor.

Imports the rooms below it (``exchanges``, ``store``, ``files``, ``text``), never ``cli``.
"""
