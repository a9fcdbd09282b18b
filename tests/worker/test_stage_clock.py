"""A batch stage's time report: busy or waiting, and only when records flowed."""

from pipeline.worker.stage_clock import StageClock


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_report_splits_the_wall_time_and_resets():
    time = FakeClock()
    clock = StageClock("cloudtrail", every_s=30, clock=time)
    started = time.now
    time.now += 2.0
    started = clock.add("waiting for records", started)
    time.now += 5.0
    started = clock.add("handling", started)
    clock.batch(2000)
    time.now += 1.5
    started = clock.add("waiting for acks and commits", started)
    time.now += 0.5
    clock.add("idle", started)
    assert clock.report() is None  # 9 s < 30 s
    time.now = 131.0
    line = clock.report()
    assert line == ("stage cloudtrail: 2,000 records in 1 batches in the last 31 s: handling 5.0 s, "
                    "waiting for records 2.0 s, waiting for acks and commits 1.5 s, idle 0.5 s")
    time.now = 170.0
    assert clock.report() is None  # nothing handled since: no line


def test_a_final_report_comes_before_the_interval():
    time = FakeClock()
    clock = StageClock("metric-filters", every_s=30, clock=time)
    clock.batch(10)
    time.now += 1.0
    assert clock.report(final=True).startswith("stage metric-filters: 10 records in 1 batches")


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PIPELINE_STAGE_REPORT_S", "5")
    assert StageClock("x").every_s == 5.0
