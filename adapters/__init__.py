"""The outside world: event store wiring, CSV and exchange data, CLI."""
