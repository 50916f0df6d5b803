"""Research: fast engine, walk-forward, Monte Carlo, DSR, grading."""
