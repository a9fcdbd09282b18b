"""One codec per topic: AWS-shaped dict <-> bytes on the topic."""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any

from pipeline import jsontext, topics
from pipeline.codec import framing
from pipeline.codec.adapters import adapter_for
from pipeline.codec.binary import avro_binary
from pipeline.codec.errors import DecodeError
from pipeline.codec.schemas import schema_id
from pipeline.errors import PipelineError


def _framing_enabled() -> bool:
    return bool(os.environ.get("PIPELINE_SCHEMA_REGISTRY_URL")) or os.environ.get(
        "PIPELINE_CONFLUENT_FRAMING", ""
    ) in ("1", "true", "yes")


class TopicCodec:
    def __init__(self, schema: str, *, accepts_json: bool = False, backend: str | None = None,
                 framed: bool | None = None, subject: str | None = None) -> None:
        self.schema = schema
        self.accepts_json = accepts_json
        self._binary = avro_binary(schema, backend)
        self._adapter = adapter_for(schema)
        self.framed = _framing_enabled() if framed is None else framed
        self._subject = subject or f"{schema}-value"
        self._schema_id: int | None = None

    @property
    def schema_id(self) -> int:
        if self._schema_id is None:
            url = os.environ.get("PIPELINE_SCHEMA_REGISTRY_URL")
            if url:
                from pipeline.codec.registry import register_schema

                self._schema_id = register_schema(url, self._subject, self.schema)
            else:
                self._schema_id = schema_id(self.schema)
        return self._schema_id

    def encode(self, value: dict[str, Any]) -> bytes:
        payload = self._binary.write(self._adapter.to_avro(value))
        return framing.frame(self.schema_id, payload) if self.framed else payload

    def decode(self, data: bytes | None, record_time_ms: int | None = None) -> dict[str, Any]:
        """The record in its AWS shape; ``DecodeError`` says why it cannot be read."""
        if data is None:
            raise DecodeError("the record has no value")
        if self.accepts_json and data[:1] in (b"{", b"["):
            # every input schema starts with a string, whose Avro length can never start with
            # "{" or "[" (it would be negative): such a record is JSON, not Avro
            return self._from_json(data, record_time_ms)
        try:
            if framing.is_framed(data):
                _, payload = framing.unframe(data)
                try:
                    return self._adapter.from_avro(self._binary.read(payload))
                except Exception:
                    pass  # not framed after all: a plain record that starts with a zero byte
            return self._adapter.from_avro(self._binary.read(data))
        except Exception as error:
            if self.accepts_json and data.lstrip()[:1] in (b"{", b"["):
                return self._from_json(data, record_time_ms)  # JSON after whitespace
            hint = "" if not self.accepts_json else " nor JSON"
            raise DecodeError(f"not valid Avro ({self.schema}){hint}: {error}") from None

    def _from_json(self, data: bytes, record_time_ms: int | None) -> dict[str, Any]:
        try:
            obj = jsontext.loads(data)  # integers beyond 64 bits stay exact
        except ValueError as error:
            raise DecodeError(f"not valid JSON: {error}") from None
        now_ms = int(time.time() * 1000) if record_time_ms is None else record_time_ms
        try:
            value = self._adapter.from_json(obj, now_ms)
            self._adapter.validate(value, self._binary.write)
        except DecodeError:
            raise
        except PipelineError as error:
            raise DecodeError(str(error)) from None
        except Exception as error:
            raise DecodeError(f"does not fit the {self.schema} schema: {error}") from None
        return value


@lru_cache(maxsize=None)
def codec_for(role: str) -> TopicCodec:
    spec = topics.spec(role)
    return TopicCodec(spec.schema, accepts_json=spec.accepts_json, subject=f"{topics.topic_name(role)}-value")
