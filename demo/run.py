"""`make demo`: a local Kafka, one pipeline worker, sample data in, what came out printed.

Steps: start the broker from Maven Central jars (deploy/local-kafka.sh, 127.0.0.1:19092, fresh
storage), apply demo/definitions/*.yaml (metric filters, an alarm, an EventBridge rule with an
input transformer, a Config rule), start `pipeline worker`, publish access-log lines, CloudTrail
records, configuration items and one malformed record, then print each output topic. The broker
and worker are stopped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
PORT = os.environ.get("DEMO_KAFKA_PORT", "19092")
ENV = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{PORT}", KAFKA_PORT=PORT,
           PIPELINE_APP_ID="pipeline-demo", PIPELINE_PARTITIONS="2", PIPELINE_ALARM_TICK_S="2",
           PIPELINE_ALARM_WALL_LAG_S="3")
os.environ.update(ENV)  # the pipeline modules below read their settings from the environment

from pipeline import topics  # noqa: E402
from pipeline.cli.topics import decode_value  # noqa: E402
from pipeline.producer import Producer  # noqa: E402
from pipeline.metric_data import samples_of  # noqa: E402


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run(*args: str) -> None:
    subprocess.run(args, cwd=PROJECT, env=ENV, check=True)


def access_log_lines(now: float, count: int = 40) -> list[dict]:
    rng = random.Random(7)
    lines = []
    for n in range(count):
        at = now - 1 + n * 0.01
        status = 503 if n % 8 == 0 else rng.choice([200, 200, 200, 301, 404])
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(at))
        lines.append({"logGroupName": "/demo/web/access", "logStreamName": "web-1",
                      "timestamp": int(at * 1000),
                      "message": f'203.0.113.{n % 50} - - [{stamp}] "GET /checkout HTTP/1.1" {status} {rng.randint(200, 5000)}'})
    return lines


def read_topic(name: str, schema: str | None = None, timeout_s: float = 3.0) -> list[dict]:
    from kafka import KafkaConsumer

    from pipeline.kafka_settings import kafka_python_config

    spec = topics.role_of(name)
    consumer = KafkaConsumer(name, **kafka_python_config(), group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", consumer_timeout_ms=int(timeout_s * 1000))
    try:
        return [decode_value(spec.role if spec else None, r.value, schema) for r in consumer]
    finally:
        consumer.close()


def wait_for(description: str, check, timeout_s: float = 90.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(1)
    print(f"   (gave up waiting for {description} after {timeout_s:.0f}s)")
    return None


def show(title: str, records: list, limit: int = 3) -> None:
    print(f"-- {title}: {len(records)} record(s)")
    for record in records[:limit]:
        print("   " + json.dumps(record, default=str)[:400])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the broker and worker running")
    args = parser.parse_args()

    step(f"starting Apache Kafka on 127.0.0.1:{PORT}")
    run("deploy/local-kafka.sh", "start", "--fresh")
    worker = None
    try:
        step("applying definitions (PutMetricFilter, PutMetricAlarm, PutRule, PutTargets, PutConfigRule)")
        run(sys.executable, "-m", "pipeline", "apply", *sorted(str(p) for p in (HERE / "definitions").glob("*.yaml")))

        step("starting a worker: pipeline worker (log in .cache/demo-worker.log)")
        log_path = PROJECT / ".cache" / "demo-worker.log"
        log_file = open(log_path, "wb")
        worker = subprocess.Popen([sys.executable, "-m", "pipeline", "worker"], cwd=PROJECT, env=ENV,
                                  stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_for("the worker", lambda: b"[^Worker]: Ready" in log_path.read_bytes(), 120):
            print(log_path.read_text()[-3000:])
            return 1

        step("publishing access-log lines, CloudTrail records, configuration items and a malformed record")
        with Producer() as producer:
            sent = producer.send_all("log-events", access_log_lines(time.time()))
            trail = [json.loads(line) for line in (HERE / "data" / "cloudtrail.jsonl").read_text().splitlines()]
            producer.send_all("cloudtrail", trail)
            items = [json.loads(line) for line in (HERE / "data" / "config-items.jsonl").read_text().splitlines()]
            producer.send_all("config-items", items)
            producer.send_raw(topics.topic_name("log-events"), b'{"logGroupName": "/demo/web/access", "msg": 1}')
        print(f"   {sent} log events, {len(trail)} CloudTrail records, {len(items)} configuration items, 1 bad record")

        step("what came out")
        alarms = wait_for("the alarm", lambda: [r for r in read_topic(topics.topic_name("alarm-state-changes"))
                                                if r["NewStateValue"] == "ALARM"])
        alerts = wait_for("the security alert", lambda: read_topic(topics.target_topic("security-alerts"),
                                                                   "target_delivery"))
        compliance = wait_for("compliance", lambda: read_topic(topics.topic_name("compliance")))
        data = read_topic(topics.topic_name("metric-data"))
        by_metric: dict[str, float] = {}
        for datum in data:  # a datum may carry several samples (Values/Counts)
            by_metric[datum["MetricName"]] = by_metric.get(datum["MetricName"], 0) + sum(
                value * count for value, count in samples_of(datum))
        show("metric data (from metric filters)", data)
        print(f"   totals: {json.dumps(by_metric)}")
        show("alarm state changes", alarms or [])
        show("on-call pages (alarm actions)", read_topic(topics.target_topic("oncall-pages"), "alarm_state_change"))
        show("security-alerts target (input transformer output)", [json.loads(a["input"]) for a in alerts or []])
        show("configuration change notifications", [
            {"resourceId": n["document"].get("configurationItem", {}).get("resourceId"),
             "changeType": n["document"].get("configurationItemDiff", {}).get("changeType")}
            for n in read_topic(topics.topic_name("config-notifications"))])
        show("config rule evaluations", [r["document"] for r in compliance or []])
        show("dead letters (bad input, with the reason)", [
            {k: d[k] for k in ("sourceTopic", "sourceOffset", "stage", "error")}
            for d in read_topic(topics.topic_name("dead-letters"))])
        ok = bool(alarms and alerts and compliance and data)
        print("\nDemo " + ("complete." if ok else "finished with missing outputs (see .cache/demo-worker.log)."))
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"\nLeft running: worker pid {worker.pid if worker else '-'}, broker on 127.0.0.1:{PORT} "
                  f"(stop with: make broker-stop; kill {worker.pid if worker else ''})")
        else:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    worker.kill()
            run("deploy/local-kafka.sh", "stop")


if __name__ == "__main__":
    raise SystemExit(main())
