"""start-replay stops at a one-minute bucket once CancelReplay marked the replay (no broker: the
archive read and the producer are replaced)."""

from datetime import datetime, timezone

from pipeline.cli import events


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.flushes = 0

    def send(self, topic, key, value, headers):
        self.sent.append(key)

    def flush(self):
        self.flushes += 1


def archived(monkeypatch, times):
    items = [({"id": f"e{n}", "time": t, "source": "shop", "detail-type": "Order", "detail": {}, "account": "1",
               "region": "us-east-1", "resources": [], "version": "0"}, None) for n, t in enumerate(times)]
    monkeypatch.setattr(events, "read_archive_records", lambda name: items)


REPLAY = {"ReplayName": "r", "EventSourceArchive": "orders", "DestinationBus": "default", "FilterArns": [],
          "EventStartTime": datetime(2026, 1, 1, tzinfo=timezone.utc),
          "EventEndTime": datetime(2026, 1, 2, tzinfo=timezone.utc)}
TIMES = ["2026-01-01T10:00:05Z", "2026-01-01T10:00:50Z", "2026-01-01T10:01:10Z", "2026-01-01T10:02:00Z"]


def test_a_replay_runs_to_the_end_when_not_cancelled(monkeypatch):
    archived(monkeypatch, TIMES)
    producer = RecordingProducer()
    assert events.run_replay(REPLAY, producer) == (4, "2026-01-01T10:02:00Z", False)
    assert producer.sent == [b"e0", b"e1", b"e2", b"e3"]


def test_a_cancelled_replay_stops_before_its_next_minute(monkeypatch):
    archived(monkeypatch, TIMES)
    producer = RecordingProducer()
    asked = []

    def cancelled():
        asked.append(len(producer.sent))
        return len(producer.sent) >= 3  # cancelled while the second minute was replayed

    assert events.run_replay(REPLAY, producer, cancelled) == (3, "2026-01-01T10:01:10Z", True)
    assert producer.sent == [b"e0", b"e1", b"e2"]  # the minute in progress is finished, the next not started
    assert asked == [2, 3]  # asked at minute boundaries only, after each minute was flushed


def test_the_cancellation_check_reads_the_topic_at_most_once_a_second(monkeypatch):
    reads = []
    states = iter(["RUNNING", "CANCELLING"])

    def entries():
        reads.append(1)
        return {"Replay/r": {"State": next(states)}}

    clock = [100.0]
    monkeypatch.setattr(events, "_current_entries", entries)
    monkeypatch.setattr(events.time, "monotonic", lambda: clock[0])
    cancelled = events.cancellation_check("Replay/r")
    assert cancelled() is False and len(reads) == 1
    clock[0] += 0.5
    assert cancelled() is False and len(reads) == 1  # within the second: no read
    clock[0] += 0.6
    assert cancelled() is True and len(reads) == 2
    clock[0] += 5
    assert cancelled() is True and len(reads) == 2  # once cancelled, it stays so without reading
