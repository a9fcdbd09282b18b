"""Registering a schema with a Confluent-compatible schema registry to get its id."""

from __future__ import annotations

import json
import urllib.request

from pipeline.codec.errors import DecodeError
from pipeline.codec.schemas import schema_json


def register_schema(url: str, subject: str, schema: str, timeout_s: float = 10.0) -> int:
    body = json.dumps({"schemaType": "AVRO", "schema": json.dumps(schema_json(schema))}).encode()
    request = urllib.request.Request(
        f"{url.rstrip('/')}/subjects/{subject}/versions", data=body, method="POST",
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(json.load(response)["id"])
    except Exception as error:
        raise DecodeError(f"schema registry {url} refused {subject}: {error}") from None
