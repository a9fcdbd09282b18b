"""The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then Avro binary."""

from __future__ import annotations

import struct

MAGIC = 0
HEADER = struct.Struct(">bI")


def frame(schema_id: int, payload: bytes) -> bytes:
    return HEADER.pack(MAGIC, schema_id) + payload


def is_framed(data: bytes) -> bool:
    return len(data) >= HEADER.size and data[0] == MAGIC


def unframe(data: bytes) -> tuple[int, bytes]:
    _, schema_id = HEADER.unpack_from(data)
    return schema_id, data[HEADER.size:]
