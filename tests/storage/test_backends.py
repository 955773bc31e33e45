"""The storage interface (issue 16): the same behaviour from the local folder and from S3."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from supervision.storage.base import ObjectCorrupt, ObjectMissing, StorageUnavailable, key_for


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_open_exists_delete_round_trip(store):
    data = os.urandom(5 * 1024 * 1024 + 17)  # several multipart chunks for S3
    key = key_for(_sha(data), ".xlsx", "register")
    assert not store.exists(key)
    assert store.put(key, io.BytesIO(data), _sha(data)) == _sha(data)
    assert store.exists(key)
    with store.open(key) as fh:
        assert fh.read() == data
    assert store.digest(key) == _sha(data)
    assert list(store.iter_keys()) == [key]
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # absent is fine (retention deletes may repeat)
    assert list(store.iter_keys()) == []


def test_put_verifies_the_digest_and_keeps_nothing_on_mismatch(store):
    data, other = b"original bytes", b"something else"
    key = key_for(_sha(data), ".xlsx")
    with pytest.raises(ObjectCorrupt) as err:
        store.put(key, io.BytesIO(other), _sha(data))
    assert "已损坏" in err.value.message_zh and "damaged" in err.value.message_en
    assert not store.exists(key)
    assert list(store.iter_keys()) == []


def test_put_of_stored_bytes_is_idempotent(store):
    data = b"same"
    key = key_for(_sha(data), ".csv")
    store.put(key, io.BytesIO(data), _sha(data))
    store.put(key, io.BytesIO(data), _sha(data))
    assert list(store.iter_keys()) == [key]
    with store.open(key) as fh:
        assert fh.read() == data


def test_missing_object_is_a_bilingual_error(store):
    key = key_for("0" * 64, ".xlsx")
    with pytest.raises(ObjectMissing) as err:
        store.open(key)
    assert err.value.status == 404
    assert "找不到" in err.value.message_zh and "missing" in err.value.message_en


def test_keys_cannot_leave_the_store(store):
    with pytest.raises(ValueError, match="outside"):
        store.put("../escape", io.BytesIO(b"x"))


def test_ping_answers_when_the_store_is_reachable(store):
    store.ping()


def test_unreachable_s3_is_storage_unavailable():
    from supervision.storage.s3 import S3Storage, make_client
    from tests.seaweed import free_ports

    port = free_ports(1)[0]  # nothing listens there
    s3 = S3Storage("uploads", make_client(f"http://127.0.0.1:{port}", "k", "s", timeout=1), "bucket")
    with pytest.raises(StorageUnavailable) as err:
        s3.ping()
    assert err.value.status == 503 and "无法访问" in err.value.message_zh
    with pytest.raises(StorageUnavailable):
        s3.open("ab/abc.xlsx")


def test_putting_the_same_bytes_again_heals_a_damaged_copy(store):
    from supervision.storage.local import LocalStorage

    data = b"the original upload"
    key = key_for(_sha(data), ".xlsx")
    store.put(key, io.BytesIO(data), _sha(data))
    if isinstance(store, LocalStorage):
        (store.root / key).write_bytes(b"rot")
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.prefix + key, Body=b"rot")
    assert store.digest(key) == _sha(b"rot")
    store.put(key, io.BytesIO(data), _sha(data))
    assert store.digest(key) == _sha(data)
