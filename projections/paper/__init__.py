"""The paper-trading read model: portfolios, runners, open positions, marks, trades, equity and the
journal, projected from the Simulator's events.

``schema`` holds the tables and their row structs, ``projector`` applies the events, ``journal``
words one line per event, ``reader`` answers the CLI's and the dashboard's queries.
"""
