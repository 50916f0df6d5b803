"""Read models built from the event log, each rebuildable from zero."""
