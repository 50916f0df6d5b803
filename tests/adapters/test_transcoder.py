"""The fast transcoder must read and write exactly what the library's JSON transcoder does."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given
from hypothesis import strategies as st

from adapters.store.transcoder import FastJSONTranscoder


def _registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    Application.register_transcodings(None, transcoder)  # type: ignore[arg-type]
    return transcoder


FAST = _registered(FastJSONTranscoder())
STOCK = _registered(JSONTranscoder())

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.uuids()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.datetimes(timezones=st.just(UTC))
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(documents)
def test_fast_round_trip(doc: object) -> None:
    assert FAST.decode(FAST.encode(doc)) == doc


@given(documents)
def test_stock_transcoder_reads_what_fast_writes(doc: object) -> None:
    assert STOCK.decode(FAST.encode(doc)) == doc


@given(documents)
def test_fast_transcoder_reads_what_stock_writes(doc: object) -> None:
    assert FAST.decode(STOCK.encode(doc)) == doc


def test_registered_types_keep_their_wrappers() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    doc = {"t": when, "id": UUID(int=7), "d": Decimal("1.10")}
    assert FAST.decode(FAST.encode(doc)) == doc
    assert b'"_type_":"datetime_iso"' in FAST.encode(doc)


def test_float_subclasses_are_written_as_floats_like_the_stock_transcoder() -> None:
    import numpy as np

    doc = {"x": np.float64(1.5)}
    assert FAST.encode(doc) == STOCK.encode(doc)
    with pytest.raises(TypeError):  # numpy ints are no int subclass: refused by both
        STOCK.encode({"x": np.int64(1)})
    with pytest.raises(TypeError):
        FAST.encode({"x": np.int64(1)})


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        FAST.encode({"x": bad})


# Lists of plain numbers skip the per-item walk (a research run holds thousands of figures):
# the skip must refuse what the walk refuses and keep what it keeps.
@given(st.lists(st.floats() | st.integers(), max_size=50))
def test_a_list_of_numbers_is_refused_exactly_when_one_is_not_finite(items: list) -> None:
    if all(math.isfinite(x) for x in items):
        assert FAST.decode(FAST.encode({"xs": items})) == {"xs": items}
    else:
        with pytest.raises(ValueError, match="non-finite"):
            FAST.encode({"xs": items})


def test_finite_floats_whose_sum_overflows_are_kept() -> None:
    items = [1e308, 1e308, -5.0]
    assert FAST.decode(FAST.encode(items)) == items == STOCK.decode(FAST.encode(items))


def test_ints_beyond_a_floats_range_are_kept() -> None:
    items = [10**400, 1.5]
    assert FAST.encode(items) == STOCK.encode(items)
