"""Pure model: market identities, events, aggregates, strategies. Imports nothing of ours."""
