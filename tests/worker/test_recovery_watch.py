"""When a stuck table recovery is acted on (pipeline/worker/recovery_watch.py), no broker."""

from pipeline.worker.recovery_watch import RecoveryWatch


def test_a_recovery_without_any_record_for_the_stall_time_is_acted_on_once_per_stall_time():
    watch = RecoveryWatch(stall_s=20)
    assert not watch.should_act(119, True, 1155, started_at=100, last_event_at=None)
    assert watch.should_act(120, True, 1155, started_at=100, last_event_at=None)
    assert not watch.should_act(125, True, 1155, started_at=100, last_event_at=None)  # just acted
    assert not watch.should_act(139, True, 1155, started_at=100, last_event_at=None)
    assert watch.should_act(140, True, 1155, started_at=100, last_event_at=None)  # still stuck


def test_records_arriving_keep_it_alone():
    watch = RecoveryWatch(stall_s=20)
    assert not watch.should_act(150, True, 500, started_at=100, last_event_at=131)
    assert watch.should_act(151, True, 500, started_at=100, last_event_at=131)


def test_nothing_is_done_outside_recovery_or_with_nothing_left_to_read():
    watch = RecoveryWatch(stall_s=20)
    assert not watch.should_act(500, False, 1155, started_at=100, last_event_at=None)
    assert not watch.should_act(500, True, 0, started_at=100, last_event_at=None)
    assert not watch.should_act(500, True, 10, started_at=None, last_event_at=None)


def test_a_new_recovery_is_timed_from_its_own_start():
    watch = RecoveryWatch(stall_s=20)
    assert watch.should_act(120, True, 10, started_at=100, last_event_at=None)
    assert not watch.should_act(125, False, 0, started_at=100, last_event_at=None)  # it ended
    assert not watch.should_act(140, True, 10, started_at=130, last_event_at=None)
    assert watch.should_act(150, True, 10, started_at=130, last_event_at=None)
