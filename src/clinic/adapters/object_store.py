"""Files in S3-compatible object storage (the FileStore port), through boto3: what several app
servers share. The bucket stays private (nothing is listed or read without the app's
credentials; downloads go through the app's permission checks); keys are the app's own, checked
as on disk, under an optional prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from clinic.adapters.files import check_key

_BATCH = 1000  # DeleteObjects takes at most this many keys


class S3FileStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def save(self, key: str, data: bytes, content_type: str) -> None:
        check_key(key)
        # one PUT: readers see the old object or the new one, never half of it
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                               ContentType=content_type)

    def load(self, key: str) -> tuple[bytes, str] | None:
        check_key(key)
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return found["Body"].read(), str(found.get("ContentType") or
                                         "application/octet-stream")

    def delete_prefix(self, prefix: str) -> None:
        check_key(prefix.rstrip("/"))
        batch: list[dict[str, str]] = []
        for key in self._listed(prefix.rstrip("/") + "/"):
            batch.append({"Key": key})
            if len(batch) == _BATCH:
                self._delete(batch)
                batch = []
        if batch:
            self._delete(batch)

    def keys(self, prefix: str) -> list[str]:
        check_key(prefix.rstrip("/"))
        start = len(self.prefix)
        return sorted(key[start:] for key in self._listed(prefix.rstrip("/") + "/"))

    def _listed(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield str(item["Key"])

    def _delete(self, batch: list[dict[str, str]]) -> None:
        self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})


def s3_file_store(url: str, endpoint_url: str | None = None,
                  region: str | None = None) -> S3FileStore:
    """`s3://bucket/prefix`; credentials come from the environment as boto3 reads them
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a profile...); `endpoint_url` for any
    S3-compatible service (MinIO, Yandex Object Storage, a test server)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"FILE_STORE_URL must look like s3://bucket/prefix, not {url!r}")
    client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region or "us-east-1",
                          config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                        connect_timeout=5, read_timeout=30))
    return S3FileStore(client, parts.netloc, parts.path)
