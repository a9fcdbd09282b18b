"""Publishing records to pipeline topics from applications (and from ``pipeline produce``).

    from pipeline.producer import Producer
    with Producer() as producer:
        producer.send("log-events", {"logGroupName": "app", "message": "ERROR x", "timestamp": ...})
        producer.flush()

Catalog roles are written as Avro through the topic's codec (JSON input is normalised first,
so a bad record is refused here with the reason); other topics (targets) take JSON.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from pipeline import topics
from pipeline.keys import key_for
from pipeline.kafka_settings import kafka_python_config


class Producer:
    def __init__(self, *, encoding: str = "avro", **kafka_options: Any) -> None:
        from kafka import KafkaProducer

        if encoding not in ("avro", "json"):
            raise ValueError("encoding must be avro or json")
        self.encoding = encoding
        self._producer = KafkaProducer(**kafka_python_config(), linger_ms=5, **kafka_options)

    def encode(self, role: str | None, value: dict[str, Any]) -> bytes:
        if role is None or self.encoding == "json":
            return json.dumps(value, separators=(",", ":")).encode("utf-8")
        from pipeline.codec import codec_for

        codec = codec_for(role)
        if codec.accepts_json:  # normalise and validate like a worker would
            value = codec.decode(json.dumps(value).encode("utf-8"))
        return codec.encode(value)

    def prepare(self, topic_or_role: str, value: dict[str, Any],
                key: bytes | str | None = None) -> tuple[str, bytes | None, bytes]:
        """(topic, key, bytes) for one record, validated; nothing is sent."""
        role = topic_or_role if _is_role(topic_or_role) else None
        spec = topics.role_of(topic_or_role)
        if role is None and spec is not None:
            role = spec.role
        name = topics.topic_name(role) if _is_role(topic_or_role) else topic_or_role
        payload = self.encode(role, value)
        if key is None:
            key = key_for(role, value)
        elif isinstance(key, str):
            key = key.encode("utf-8")
        return name, key, payload

    def send(self, topic_or_role: str, value: dict[str, Any], key: bytes | str | None = None):
        """Send one record; ``topic_or_role`` is a catalog role ("log-events") or a topic name."""
        name, key, payload = self.prepare(topic_or_role, value, key)
        return self._producer.send(name, key=key, value=payload)

    def send_all(self, topic_or_role: str, values: Iterable[dict[str, Any]]) -> int:
        count = 0
        for value in values:
            self.send(topic_or_role, value)
            count += 1
        return count

    def send_raw(self, topic: str, value: bytes | None, key: bytes | None = None):
        return self._producer.send(topic, key=key, value=value)

    def flush(self, timeout_s: float = 30.0) -> None:
        self._producer.flush(timeout=timeout_s)

    def close(self) -> None:
        self._producer.close()

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.flush()
        self.close()


def _is_role(name: str) -> bool:
    return any(spec.role == name for spec in topics.CATALOG)
