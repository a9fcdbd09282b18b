"""Creating the catalog's topics with the right partitions and cleanup policy (kafka-python)."""

from __future__ import annotations

from typing import Iterable

from pipeline import topics
from pipeline.kafka_settings import kafka_python_config


def ensure_topics(extra: Iterable[str] = (), timeout_s: float = 30.0) -> list[str]:
    """Create missing catalog topics (and ``extra`` topics); returns the names created."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(**kafka_python_config(), request_timeout_ms=int(timeout_s * 1000))
    try:
        existing = set(admin.list_topics())
        wanted: dict[str, dict] = {}
        for spec in topics.CATALOG:
            name = topics.topic_name(spec.role)
            config = {"cleanup.policy": "compact"} if spec.compacted else {}
            wanted[name] = {"num_partitions": 1 if spec.compacted else topics.partitions(),
                            "replication_factor": 1, "configs": config}
        import os

        for bus in os.environ.get("PIPELINE_EVENT_BUSES", "").split(","):
            if bus.strip():
                extra = [*extra, topics.bus_topic(bus.strip())]
        for name in extra:
            wanted.setdefault(name, {"num_partitions": topics.partitions(), "replication_factor": 1,
                                     "configs": {}})
        missing = {name: cfg for name, cfg in wanted.items() if name not in existing}
        if missing:
            try:
                admin.create_topics(missing, wait_for_metadata=True)
            except Exception as error:  # another worker created them first
                if "TopicAlreadyExists" not in type(error).__name__ + str(error):
                    raise
        return sorted(missing)
    finally:
        admin.close()
