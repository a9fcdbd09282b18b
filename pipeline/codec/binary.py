"""Schemaless Avro binary through fastavro (default) or the reference ``avro`` package.

Both write byte-identical encodings (tests/codec checks it); fastavro is about 8x faster
(bench/codec.py prints the ratio), so it is the default and ``avro`` stays selectable with
``PIPELINE_AVRO_BACKEND=avro``.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any, Protocol

from pipeline.codec.schemas import schema_json


class AvroBinary(Protocol):
    def write(self, record: dict[str, Any]) -> bytes: ...
    def read(self, data: bytes) -> dict[str, Any]: ...


class FastAvroBinary:
    def __init__(self, name: str) -> None:
        import fastavro

        self._schema = fastavro.parse_schema(schema_json(name))
        self._writer = fastavro.schemaless_writer
        self._reader = fastavro.schemaless_reader

    def write(self, record: dict[str, Any]) -> bytes:
        buffer = io.BytesIO()
        self._writer(buffer, self._schema, record)
        return buffer.getvalue()

    def read(self, data: bytes) -> dict[str, Any]:
        buffer = io.BytesIO(data)
        record = self._reader(buffer, self._schema, None)
        if buffer.tell() != len(data):
            raise ValueError(f"{len(data) - buffer.tell()} bytes left after the record")
        return record


class ReferenceAvroBinary:
    def __init__(self, name: str) -> None:
        import avro.io
        import avro.schema

        self._io = avro.io
        schema = avro.schema.parse(json.dumps(schema_json(name)))
        self._datum_writer = avro.io.DatumWriter(schema)
        self._datum_reader = avro.io.DatumReader(schema, schema)

    def write(self, record: dict[str, Any]) -> bytes:
        buffer = io.BytesIO()
        self._datum_writer.write(record, self._io.BinaryEncoder(buffer))
        return buffer.getvalue()

    def read(self, data: bytes) -> dict[str, Any]:
        buffer = io.BytesIO(data)
        record = self._datum_reader.read(self._io.BinaryDecoder(buffer))
        if buffer.tell() != len(data):
            raise ValueError(f"{len(data) - buffer.tell()} bytes left after the record")
        return record


BACKENDS = {"fastavro": FastAvroBinary, "avro": ReferenceAvroBinary}


def avro_binary(name: str, backend: str | None = None) -> AvroBinary:
    backend = backend or os.environ.get("PIPELINE_AVRO_BACKEND", "fastavro")
    if backend not in BACKENDS:
        raise ValueError(f"unknown Avro backend {backend!r}; expected one of {sorted(BACKENDS)}")
    return BACKENDS[backend](name)
