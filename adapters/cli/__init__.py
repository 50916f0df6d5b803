"""The ``scalp-radar`` command: ``main`` (the parser and exit codes), one module per command group
(``data``, ``config_check``, ``store``, ``research``, ``serve``, ``paper``, ``demo``), what they
share (``common``), and the reports they print (``*_report``).

The top room: it may import every other room of adapters; nothing but the CLI imports it.
"""
