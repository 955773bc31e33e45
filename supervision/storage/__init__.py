"""Blob storage behind one small interface (issue 16).

:mod:`.base` the interface (``put``/``open``/``exists``/``delete``, keys named by SHA-256) and its
errors, :mod:`.local` the local folder (embedded default), :mod:`.s3` an S3-compatible bucket (boto3),
:mod:`.service` the configured stores and the operations the features use.
"""

from supervision.storage.base import ObjectCorrupt, ObjectMissing, Storage, StorageError, StorageUnavailable

__all__ = ["ObjectCorrupt", "ObjectMissing", "Storage", "StorageError", "StorageUnavailable"]
