"""The ``scalp-radar`` command: ``main`` (the parser, exit codes and most commands), ``paper``
(paper, status, replay, kill-switch reset) and the reports they print.

The top room: it may import every other room of adapters; nothing but the CLI imports it.
"""
