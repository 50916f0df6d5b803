"""A msgspec-backed drop-in for the event library's JSON transcoder.

The library's ``JSONTranscoder`` spends most of a bulk candle import in ``json``'s pure-Python
``default`` hook. This subclass writes and reads the very same document format
(``{"_type_": name, "_data_": ...}`` wrappers for registered types), so stored events stay
readable by the stock transcoder and vice versa; only the speed differs.

msgspec encodes ``datetime``, ``UUID`` and ``Decimal`` natively and would bypass the wrappers, so
registered types are wrapped by a small walk before encoding. Non-finite floats are refused: JSON
has no spelling for them and the store never needs one.

Both walks pass over a list of plain numbers or strings in one C-level check instead of a call
per element: a research run's event holds lists of thousands of figures, and walking them one by
one was most of the time the CLI spent writing and projecting it.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

_PLAIN = (str, int, bool, type(None))
_NUMBERS = frozenset({int, float})
_SCALARS = frozenset({str, int, float, bool, type(None)})


class FastJSONTranscoder(JSONTranscoder):
    def __init__(self) -> None:
        super().__init__()
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder()

    def encode(self, obj: Any) -> bytes:
        return self._encoder.encode(self._wrap(obj))

    def decode(self, data: bytes) -> Any:
        return self._unwrap(self._decoder.decode(data))

    def _wrap(self, o: Any) -> Any:
        kind = type(o)
        if kind in _PLAIN:
            return o
        if kind is float:
            if not math.isfinite(o):
                raise ValueError(f"cannot store non-finite float {o!r} in an event")
            return o
        if kind is dict:
            return {k: self._wrap(v) for k, v in o.items()}
        if kind is list or kind is tuple:
            if _finite_numbers(o):
                return o
            return [self._wrap(v) for v in o]
        transcoding = self.types.get(kind)
        if transcoding is None and isinstance(o, float):
            return self._wrap(float(o))  # float subclasses (numpy.float64), as json accepts them
        if transcoding is None:
            raise TranscodingNotRegisteredError(
                f"Object of type {kind} is not serializable. Please define and register "
                "a custom transcoding for this type."
            )
        return {"_type_": transcoding.name, "_data_": self._wrap(transcoding.encode(o))}

    def _unwrap(self, o: Any) -> Any:
        kind = type(o)
        if kind is dict:
            if len(o) == 2 and "_type_" in o and "_data_" in o:
                inner = self._unwrap(o["_data_"])
                return self._decode_obj({"_type_": o["_type_"], "_data_": inner})
            return {k: self._unwrap(v) for k, v in o.items()}
        if kind is list:
            if _SCALARS.issuperset(map(type, o)):
                return o
            return [self._unwrap(v) for v in o]
        return o


def _finite_numbers(items: list | tuple) -> bool:
    """Whether every item is an int or a finite float, checked in C: a sum is finite only if
    every term is (a sum that overflows sends the caller to the per-item check)."""
    if not _NUMBERS.issuperset(map(type, items)):
        return False
    try:
        return math.isfinite(sum(items))
    except OverflowError:  # ints beyond a float's range
        return False
