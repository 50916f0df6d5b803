"""The live account's read model: balance, open orders, positions with their stops, halted
symbols and the fills, projected from the Executor's events.

``fold`` rebuilds each Executor with the aggregate's own mutators, ``schema`` holds the tables
and their row structs, ``projector`` writes the rows, ``reader`` answers the CLI and the web.
"""
