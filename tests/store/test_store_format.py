"""The record format: checksums, schema and versions, and property tests on raw bytes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device_app.engine.token_store import (
    FORMAT_VERSION,
    MAX_RECORD_BYTES,
    TokenStore,
    TokenStoreUsageError,
    _Damaged,
    decode_record,
    encode_record,
)

from .helpers import make_doc, names, write_raw

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4)
    ),
    max_leaves=20,
)
DOCS = st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=5)


def test_record_round_trips_and_carries_version_generation_checksum() -> None:
    data = encode_record(7, make_doc())
    record = json.loads(data)
    assert record["version"] == FORMAT_VERSION
    assert record["generation"] == 7
    assert len(record["sha256"]) == 64
    assert decode_record(data) == (7, make_doc())


def _resign(record: dict[str, Any]) -> bytes:
    """Re-encode a hand-edited record with a correct checksum over its new content."""
    import hashlib

    unsigned = {k: v for k, v in record.items() if k != "sha256"}
    canon = json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()
    record["sha256"] = hashlib.sha256(canon).hexdigest()
    return json.dumps(record).encode()


GOOD = json.loads(encode_record(3, {"tokens": None}))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (encode_record(3, {"tokens": None})[:-20], "not valid JSON"),
        (b"\x00\xff garbage \x13", "not valid JSON"),
        (b"[1, 2]", "not a token-store record"),
        (json.dumps({**GOOD, "format": "other"}).encode(), "not a token-store record"),
        (json.dumps({**GOOD, "sha256": "0" * 64}).encode(), "checksum mismatch"),
        (json.dumps({**GOOD, "generation": 4}).encode(), "checksum mismatch"),
        (json.dumps({**GOOD, "doc": {"tokens": 1}}).encode(), "checksum mismatch"),
        (_resign({**GOOD, "version": FORMAT_VERSION + 1}), "newer than this program"),
        (_resign({**GOOD, "version": 0}), "no valid format version"),
        (_resign({**GOOD, "version": True}), "no valid format version"),
        (_resign({**GOOD, "generation": 0}), "wrong schema"),
        (_resign({**GOOD, "generation": "3"}), "wrong schema"),
        (_resign({**GOOD, "doc": [1]}), "wrong schema"),
        (_resign({**GOOD, "extra": 1}), "wrong schema"),
        (
            b'{"format":"device-app-token-store","version":1,"generation":1,'
            b'"doc":{"x":NaN},"sha256":"00"}',
            "not canonical JSON",
        ),
        (b"[" * 100_000, "not valid JSON"),
        (b" " * (MAX_RECORD_BYTES + 1) + b"{}", "larger than 1 MiB"),
    ],
)
def test_damaged_records_are_recognised(data: bytes, reason: str) -> None:
    with pytest.raises(_Damaged, match=reason):
        decode_record(data)


def test_save_refuses_non_json_documents_as_caller_bugs(store: TokenStore) -> None:
    for bad in ({"x": b"bytes"}, {"x": float("nan")}, {"x": object()}):
        with pytest.raises(TokenStoreUsageError, match="not plain JSON"):
            store.save(bad)
    with pytest.raises(TokenStoreUsageError, match="takes a dict"):
        store.save([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TokenStoreUsageError, match="1 MiB"):
        store.save({"x": "y" * MAX_RECORD_BYTES})
    assert store.load() is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=DOCS)
def test_any_json_document_round_trips(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = TokenStore(Path(tmp) / "s")
        store.save(doc)
        assert TokenStore(Path(tmp) / "s").load() == doc


@settings(max_examples=300, deadline=None)
@given(main=st.none() | st.binary(max_size=300), prev=st.none() | st.binary(max_size=300))
def test_arbitrary_bytes_as_store_files_never_raise(main: bytes | None, prev: bytes | None) -> None:
    """Whatever bytes the files hold, load() returns None or a dict and never raises."""
    with tempfile.TemporaryDirectory() as tmp:
        store = TokenStore(tmp)
        for name, data in (("default.json", main), ("default.json.prev", prev)):
            if data is not None:
                write_raw(store.directory / name, data, 0o644)
        result = store.load()
        assert result is None or isinstance(result, dict)
        if main or prev:
            # Random bytes are never a valid checksummed record: both were set aside.
            assert result is None
            assert store.warning is not None
            assert not {"default.json", "default.json.prev"} & set(names(store))
        # A second load is calm: no warning, no crash loop.
        assert store.load() is None
        assert store.warning is None


@settings(max_examples=200, deadline=None)
@given(
    position=st.integers(min_value=0),
    value=st.integers(min_value=0, max_value=255),
    truncate=st.booleans(),
)
def test_any_single_byte_damage_yields_old_or_new_doc_never_another(
    position: int, value: int, truncate: bool
) -> None:
    old, new = make_doc(1), make_doc(2)
    with tempfile.TemporaryDirectory() as tmp:
        store = TokenStore(tmp)
        store.save(old)
        store.save(new)
        raw = bytearray((store.path).read_bytes())
        position %= len(raw)
        if truncate:
            del raw[position:]
        else:
            raw[position] = value
        os.unlink(store.path)
        write_raw(store.path, bytes(raw))
        result = TokenStore(tmp).load()
        assert result in (old, new)
