"""The S3-compatible store (production): one bucket, an area prefix per kind of file
(``uploads/``, ``exports/``), keys as in the local layout. Client: boto3."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from supervision.storage.base import CHUNK, ObjectMissing, corrupt, missing, unavailable

_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


def make_client(endpoint_url: str | None, access_key: str | None, secret_key: str | None,
                region: str | None = None, timeout: float = 10.0):
    """A boto3 S3 client for ``endpoint_url`` (None: AWS itself) with bounded time-outs and retries,
    path-style addressing (what self-hosted S3 servers expect)."""
    import boto3
    from botocore.config import Config

    cfg = Config(connect_timeout=timeout, read_timeout=max(timeout, 60.0),
                 retries={"max_attempts": 3, "mode": "standard"},
                 s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                 response_checksum_validation="when_required")
    return boto3.client("s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key or None,
                        aws_secret_access_key=secret_key or None, region_name=region or "us-east-1", config=cfg)


def _code(exc) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


class S3Storage:
    """Objects in ``bucket`` under ``prefix``; ``client`` is a boto3 S3 client."""

    def __init__(self, name: str, client, bucket: str, prefix: str = ""):
        self.name = name
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def __repr__(self) -> str:
        return f"S3Storage({self.name!r}, s3://{self.bucket}/{self.prefix})"

    def _key(self, key: str) -> str:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"key outside the store: {key!r}")
        return self.prefix + key

    def _errors(self, what: str):
        """Context: boto errors become our bilingual storage errors."""
        from contextlib import contextmanager

        from botocore.exceptions import BotoCoreError, ClientError

        @contextmanager
        def wrap():
            try:
                yield
            except ClientError as exc:
                if _code(exc) in _MISSING_CODES:
                    raise missing(what) from exc
                raise unavailable(f"s3://{self.bucket}", exc) from exc
            except BotoCoreError as exc:
                raise unavailable(f"s3://{self.bucket}", exc) from exc

        return wrap()

    def put(self, key: str, stream: BinaryIO, sha256: str | None = None) -> str:
        """Upload, then read the object back and check its SHA-256 (a mismatch deletes it)."""
        with self._errors(key):
            if sha256 is not None and self._matches(key, sha256):
                return sha256  # the same bytes are already there (content-addressed)
            self.client.upload_fileobj(stream, self.bucket, self._key(key))
        written = self.digest(key)
        if sha256 is not None and written != sha256:
            self.delete(key)
            raise corrupt(key, sha256, written)
        return written

    def _matches(self, key: str, sha256: str) -> bool:
        if not self.exists(key):
            return False
        return self.digest(key) == sha256

    def open(self, key: str) -> BinaryIO:
        """A streaming body of the object (``read(n)``, ``close()``)."""
        with self._errors(key):
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]

    def digest(self, key: str) -> str:
        """SHA-256 of the stored object (streamed)."""
        h = hashlib.sha256()
        body = self.open(key)
        with self._errors(key):
            try:
                for chunk in iter(lambda: body.read(CHUNK), b""):
                    h.update(chunk)
            finally:
                body.close()
        return h.hexdigest()

    def exists(self, key: str) -> bool:
        """HEAD the object."""
        try:
            with self._errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ObjectMissing:
            return False
        return True

    def delete(self, key: str) -> None:
        """Delete the object (absent is fine in S3)."""
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def iter_keys(self) -> Iterator[str]:
        """Every key under the prefix, sorted."""
        keys = []
        with self._errors(f"s3://{self.bucket}/{self.prefix}"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                keys += [o["Key"][len(self.prefix):] for o in page.get("Contents", [])]
        return iter(sorted(keys))

    def ping(self) -> None:
        """HEAD the bucket."""
        with self._errors(f"s3://{self.bucket}"):
            self.client.head_bucket(Bucket=self.bucket)

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (``supervision storage init``, tests)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            with self._errors(f"s3://{self.bucket}"):
                self.client.create_bucket(Bucket=self.bucket)

    def local_path(self, key: str):
        """Objects are not local files."""
        return None
