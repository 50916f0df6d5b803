"""Files people edit or hand us: the normalized candle and funding CSV(.gz) files, and
strategies.yaml written back.

Imports only ``adapters.files`` and ``adapters.text``.
"""
