"""The date order of records (schemas/sort_keys.py): the rowid buckets the build writes never
contradict the (date, id) order the API pages in, for any dates and any ids."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from schemas import sort_keys

keys = st.one_of(st.just(""), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat))
ids = st.text(min_size=1, max_size=12)


@given(keys, ids, keys, ids)
def test_buckets_keep_the_order_of_date_and_id(key_a, id_a, key_b, id_b):
    if (key_a, id_a.encode()) <= (key_b, id_b.encode()):  # SQLite compares text as UTF-8 bytes
        assert sort_keys.bucket(key_a, id_a) <= sort_keys.bucket(key_b, id_b)


@given(keys, ids, st.integers(0, (1 << 25) - 1), st.integers(0, (1 << 16) - 1))
def test_a_rowid_is_in_its_bucket(key, record_id, document, record):
    rowid = sort_keys.rowid(key, record_id, document, record)
    assert sort_keys.first_rowid(key, record_id) <= rowid <= sort_keys.last_rowid(key, record_id)
    assert 0 <= rowid <= sort_keys.MAX_ROWID


def test_undated_records_sort_before_every_date_and_spread_over_buckets():
    first_day = sort_keys.bucket("0001-01-01", "a")
    undated = {sort_keys.bucket("", f"{c}{d}-statement") for c in "abcxyz" for d in "0aq"}
    assert max(undated) < first_day
    assert len(undated) == 18  # the first characters of the ids make the buckets
