"""The event store and its logs: the eventsourcing application and its transcoder, the home
directory, writer locks, and the write services that append market data, research results and
operator requests.

Imports only ``adapters.store`` and ``adapters.text`` (the bottom rooms of adapters).
"""
