"""Topic administration with kafka-python: the catalog's topics with the right partitions and
cleanup policy, compacted side topics, and the few changes the CLI makes to a topic."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

from pipeline import topics
from pipeline.kafka_settings import kafka_python_config


@contextmanager
def _admin(timeout_s: float = 30.0) -> Iterator:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(**kafka_python_config(), request_timeout_ms=int(timeout_s * 1000))
    try:
        yield admin
    finally:
        admin.close()


def _create_missing(admin, wanted: dict[str, dict]) -> list[str]:
    existing = set(admin.list_topics())
    missing = {name: cfg for name, cfg in wanted.items() if name not in existing}
    if missing:
        try:
            admin.create_topics(missing, wait_for_metadata=True)
        except Exception as error:  # another worker created them first
            if "TopicAlreadyExists" not in type(error).__name__ + str(error):
                raise
    return sorted(missing)


def create_missing_topics(wanted: dict[str, dict]) -> list[str]:
    """Create those of ``wanted`` (name -> create_topics settings) that do not exist; the names created."""
    with _admin() as admin:
        return _create_missing(admin, wanted)


def ensure_compacted_topic(name: str) -> None:
    """A one-partition compacted topic (archives, schedule progress: read whole by every worker)."""
    create_missing_topics({name: {"num_partitions": 1, "replication_factor": 1,
                                  "configs": {"cleanup.policy": "compact"}}})


def topic_exists(name: str) -> bool:
    with _admin() as admin:
        return name in admin.list_topics()


def delete_topic(name: str) -> None:
    from kafka.errors import UnknownTopicOrPartitionError

    with _admin() as admin:
        try:
            admin.delete_topics([name])
        except UnknownTopicOrPartitionError:
            pass  # never written to, or deleted already


def set_topic_config(name: str, key: str, value: str) -> None:
    """Change one setting of a topic (incremental: the others keep theirs)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    with _admin() as admin:
        results = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs={key: value})])
    for by_name in results.values():  # kafka-python reports a refused change, it does not raise it
        outcome = by_name.get(name) if isinstance(by_name, dict) else None
        if isinstance(outcome, BaseException):
            raise outcome


def topic_config(name: str, key: str) -> str | None:
    """One setting of a topic as the broker reports it (its own or the broker default); None for a
    missing topic."""
    from kafka.admin import ConfigResource, ConfigResourceType

    with _admin() as admin:
        if name not in admin.list_topics():
            return None
        responses = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=[key])])
    found = ((responses.get("topic") or {}).get(name) or {}).get(key)  # kafka-python's dict shape
    return found.get("value") if isinstance(found, dict) else None


def ensure_topics(extra: Iterable[str] = (), timeout_s: float = 30.0) -> list[str]:
    """Create missing catalog topics (and ``extra`` topics); returns the names created."""
    wanted: dict[str, dict] = {}
    for spec in topics.CATALOG:
        name = topics.topic_name(spec.role)
        config = {"cleanup.policy": "compact"} if spec.compacted else {}
        config.update(spec.configs)
        wanted[name] = {"num_partitions": 1 if spec.single_partition else topics.partitions(),
                        "replication_factor": 1, "configs": config}
    for name in [*extra, *(topics.bus_topic(bus) for bus in topics.custom_buses())]:
        wanted.setdefault(name, {"num_partitions": topics.partitions(), "replication_factor": 1, "configs": {}})
    with _admin(timeout_s) as admin:
        return _create_missing(admin, wanted)
