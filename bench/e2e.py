"""End-to-end throughput, memory, lag and latency of `pipeline worker` on a real local Kafka.

    .venv/bin/python bench/e2e.py [--records 50000] [--port 29692] [--partitions 4]
                                  [--skip-two] [--latency-seconds 45] [--profile] [--encoding avro|json]

The default 50,000 records take about 2 minutes (one worker ~10,000 records/s here, plus the
latency phase); ``--records 1000000`` is the issue's size (~5 minutes of processing per phase).

One run, one fresh broker (deploy/local-kafka.sh on --port with a temporary data dir, stopped at
the end, on Ctrl-C and on errors), and in that run:

1. publish a mixed stream: CloudTrail records (shared/data/cloudtrail_samples.jsonl, fresh
   eventIDs, event times spread over the last records/1000 seconds) to ``cloudtrail`` and Apache
   access-log lines (common log format, ~3 % 5xx) on 4 log groups to ``log-events``;
2. **floor**: raw aiokafka consume of those input topics plus produce of one small record per
   input record, no processing (records/s);
3. **one worker** with the CIS pack (18 filters on ``aws-cloudtrail-logs``), an access-log metric
   filter (5xx count) per access-log group, 1,000 event rules with targets and 1,000 alarms:
   records/s from input to metric data and bus output, timed like the floor from the first to
   the last record written from input (log events, metric data, target deliveries, dead
   letters; by the records' Kafka timestamps), and also until every stage's
   committed offset reaches its end offset (adds the alarms agent's Faust commit interval,
   2.8 s, and 0.5 s sampling); peak RSS (VmHWM), CPU seconds, consumer lag over time;
4. **latency** on that worker, caught up: a live stream at half its measured throughput plus 20
   probe lines/s whose metric datum carries the probe's sequence number: input -> metric datum
   p50/p99, and the end of a 10 s period -> the alarm's state change (a probe alarm flips every
   10 s);
5. **two workers** on a fresh copy of the stream (own topic prefix and consumer group);
6. ratios worker/floor and two/one, a table, and bench/results/e2e-<UTC date-time>.json.

``--profile`` samples the one-worker phase with py-spy (``pip install py-spy``) and adds the top
functions (self and inclusive share of samples) to the table and the JSON. The machine's cores
are shared by the broker, the worker(s) and this script: compare ratios of the same run, not
absolute numbers across runs; the JSON records the CPU seconds each process used.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.fixtures.shared_data import SHARED_DATA  # noqa: E402

import orjson  # noqa: E402

SHARED = SHARED_DATA
SCRIPT = ROOT / "deploy" / "local-kafka.sh"
RESULTS = ROOT / "bench" / "results"
CLK_TCK = os.sysconf("SC_CLK_TCK")
STALLED_SAMPLES = 120  # 0.5 s samples without any committed progress before a phase is called stuck
# `pipeline worker` through bench/profile_worker.py (the same worker; a place for what-if patches)
WORKER_COMMAND = [sys.executable, str(ROOT / "bench" / "profile_worker.py"), "-l", "info"]

CLOUDTRAIL_GROUP = "aws-cloudtrail-logs"
ACCESS_FILTER = "[ip, identity, user, timestamp, request, status_code = 5*, bytes]"
PROBE_GROUP = "/bench/probe"
PROBE_ALARM = "bench-probe-flag"
TARGET_TOPIC = "bench-targets"
ACTION_TOPIC = "bench-alarm-actions"


# ---------------------------------------------------------------------------------------------
# environment: one topic prefix and consumer group per phase, on the bench's own broker


def use_env(env: dict[str, str]) -> None:
    """Point this process's pipeline modules at ``env`` (prefix, partitions, broker)."""
    os.environ.update(env)
    from pipeline.codec import codec_for

    codec_for.cache_clear()


def phase_env(bootstrap: str, run: str, phase: str, partitions: int) -> dict[str, str]:
    return {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PIPELINE_TOPIC_PREFIX": f"b{run}{phase}-",
            "PIPELINE_APP_ID": f"bench-{run}-{phase}", "PIPELINE_PARTITIONS": str(partitions),
            "PIPELINE_ALARM_TICK_S": "5"}


class Broker:
    def __init__(self, port: int) -> None:
        self.data_dir = tempfile.mkdtemp(prefix="pipeline-bench-kafka-")
        self.env = dict(os.environ, KAFKA_PORT=str(port), KAFKA_DATA_DIR=self.data_dir)
        self.bootstrap = f"127.0.0.1:{port}"

    def start(self) -> None:
        subprocess.run([str(SCRIPT), "start", "--fresh"], env=self.env, check=True, timeout=300)

    def pid(self) -> int | None:
        try:
            return int(Path(self.data_dir, "broker.pid").read_text())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop"], env=self.env, check=False, timeout=90)
        subprocess.run(["rm", "-rf", self.data_dir], check=False)


def cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return 0.0


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Worker:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.launched = time.monotonic()
        # cwd: Faust's data dir (<app id>-data) goes next to the log, not into the work tree
        self.process = subprocess.Popen(WORKER_COMMAND, cwd=log_path.parent, env=dict(os.environ, **env),
                                        stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()


# ---------------------------------------------------------------------------------------------
# definitions: CIS pack, access-log filters, probe filters, rules with targets, alarms


def cis_metric(cis_id: str) -> str:
    return "CIS-" + cis_id.removeprefix("cis-")


def access_groups(partitions: int, count: int) -> list[str]:
    """``count`` access-log group names that spread over the partitions (log events are keyed by
    log group, so the group decides the partition)."""
    from pipeline.worker.alarm_runtime import partition_of

    groups, used = [], Counter()
    for i in range(10_000):
        name = f"/bench/web/access-{i}"
        p = partition_of(name, partitions)
        if used[p] < -(-count // partitions):
            groups.append(name)
            used[p] += 1
        if len(groups) == count:
            break
    return groups


def build_definitions(groups: list[str], n_rules: int, n_alarms: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    cis = [json.loads(line) for line in (SHARED / "cis_filters.jsonl").read_text().splitlines() if line.strip()]
    defs: list[dict] = []
    hot: list[tuple[str, str]] = []  # (namespace, metric) that receive data
    for entry in cis:
        defs.append({"PutMetricFilter": {
            "logGroupName": CLOUDTRAIL_GROUP, "filterName": entry["id"], "filterPattern": entry["pattern"],
            "metricTransformations": [{"metricName": cis_metric(entry["id"]), "metricNamespace": "CISBenchmark",
                                       "metricValue": "1"}]}})
        hot.append(("CISBenchmark", cis_metric(entry["id"])))
    for i, group in enumerate(groups):
        defs.append({"PutMetricFilter": {
            "logGroupName": group, "filterName": "server-errors", "filterPattern": ACCESS_FILTER,
            "metricTransformations": [{"metricName": f"ServerErrors-{i}", "metricNamespace": "Bench/Web",
                                       "metricValue": "1", "unit": "Count"}]}})
        hot.append(("Bench/Web", f"ServerErrors-{i}"))
    for name, value in (("ProbeSeq", "$seq"), ("ProbeFlag", "$flag")):
        defs.append({"PutMetricFilter": {
            "logGroupName": PROBE_GROUP, "filterName": name, "filterPattern": "[marker = probe, seq, flag]",
            "metricTransformations": [{"metricName": name, "metricNamespace": "Bench/Probe", "metricValue": value}]}})

    # alarms: one probe alarm (flips every 10 s), ten per metric that gets data, the rest on
    # quiet per-service metrics (loaded and evaluated on ticks, but without data)
    alarms = [{"AlarmName": PROBE_ALARM, "Namespace": "Bench/Probe", "MetricName": "ProbeFlag",
               "Statistic": "Maximum", "Period": 10, "EvaluationPeriods": 1, "Threshold": 1,
               "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "missing"}]
    for namespace, metric in hot:
        for j in range(10):
            if len(alarms) >= n_alarms:
                break
            period = (10, 60, 60, 300, 60)[j % 5]
            alarms.append({"AlarmName": f"{metric}-{j}", "Namespace": namespace, "MetricName": metric,
                           "Statistic": "Sum", "Period": period, "EvaluationPeriods": 1 + j % 3,
                           "DatapointsToAlarm": 1, "Threshold": float(1 + j * 3),
                           "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                           "TreatMissingData": "notBreaching",
                           **({"AlarmActions": [f"kafka:{ACTION_TOPIC}"]} if j % 4 == 0 else {})})
    i = 0
    while len(alarms) < n_alarms:
        alarms.append({"AlarmName": f"quiet-errors-{i}", "Namespace": "Bench/Quiet", "MetricName": "Errors",
                       "Dimensions": [{"Name": "Service", "Value": f"svc-{i}"}], "Statistic": "Sum",
                       "Period": 60, "EvaluationPeriods": 3, "Threshold": 10.0,
                       "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "missing"})
        i += 1
    defs.extend({"PutMetricAlarm": a} for a in alarms[:n_alarms])

    # rules: realistic CloudTrail patterns (some match the samples), the rest custom sources
    samples = [json.loads(line) for line in (SHARED / "cloudtrail_samples.jsonl").read_text().splitlines() if line]
    calls = sorted({(r["eventSource"].split(".")[0], r["eventName"]) for r in samples})
    services = sorted({s for s, _ in calls} | {"lambda", "rds", "dynamodb", "sqs", "sns", "ecs", "eks"})
    for i in range(n_rules):
        kind = i % 10
        if kind == 0:
            service, name = calls[(i // 10) % len(calls)] if rng.random() < 0.5 else (rng.choice(services), f"Op{i}")
            pattern = {"source": [f"aws.{service}"], "detail-type": ["AWS API Call via CloudTrail"],
                       "detail": {"eventSource": [f"{service}.amazonaws.com"], "eventName": [name, f"Other{i}"]}}
        elif kind == 1:
            pattern = {"source": [f"aws.{rng.choice(services)}"], "detail": {"errorCode": [{"exists": True}],
                                                                             "awsRegion": [f"region-{i}", "us-east-1"]}}
        elif kind == 2:
            pattern = {"source": [f"aws.{rng.choice(services)}"], "detail": {"eventName": [{"prefix": f"Delete{i}"}]}}
        elif kind == 3:
            pattern = {"detail-type": ["AWS Console Sign In via CloudTrail"],
                       "detail": {"userIdentity": {"userName": [f"user-{i}"]},
                                  "additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]}}}
        else:
            pattern = {"source": [f"custom.app{i % 50}"], "detail-type": [f"Order {i}"],
                       "detail": {"amount": [{"numeric": [">", i]}]}}
        rule = f"bench-rule-{i}"
        defs.append({"PutRule": {"Name": rule, "EventPattern": json.dumps(pattern), "State": "ENABLED"}})
        defs.append({"PutTargets": {"Rule": rule, "Targets": [{"Id": "t", "Arn": f"kafka:{TARGET_TOPIC}"}]}})
    return defs


def apply_definitions(env: dict[str, str], definitions: list[dict], workdir: Path) -> None:
    path = workdir / f"definitions-{env['PIPELINE_TOPIC_PREFIX']}json"
    path.write_text(json.dumps(definitions))
    done = subprocess.run([sys.executable, "-m", "pipeline", "apply", str(path)], cwd=ROOT,
                          env=dict(os.environ, **env), capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"pipeline apply failed: {done.stderr[-2000:]}")


# ---------------------------------------------------------------------------------------------
# the input stream


STATUSES = [200] * 80 + [304] * 5 + [301] * 3 + [404] * 8 + [403] + [500, 502, 503]
PATHS = ["/", "/index.html", "/api/orders", "/api/cart", "/static/app.js", "/static/app.css", "/login",
         "/api/users/42", "/healthz", "/search?q=shoes"]


class Stream:
    """Deterministic mixed records: (role, key, value bytes); CloudTrail share ``ct_share``."""

    def __init__(self, groups: list[str], seed: int, ct_share: float, encoding: str) -> None:
        from pipeline.codec import codec_for

        self.rng = random.Random(seed)
        self.groups = groups
        self.ct_share = ct_share
        self.encoding = encoding
        self.trail_codec = codec_for("cloudtrail")
        self.log_codec = codec_for("log-events")
        raw = [line for line in (SHARED / "cloudtrail_samples.jsonl").read_bytes().splitlines() if line.strip()]
        self.samples = [self.trail_codec.decode(r) for r in raw]  # normalised AWS shape

    def cloudtrail(self, ts: float) -> tuple[str, bytes, bytes]:
        from pipeline.keys import key_for

        record = dict(self.rng.choice(self.samples))
        record["eventID"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        record["eventTime"] = dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        key = key_for("cloudtrail", record)  # as pipeline.producer keys it
        value = orjson.dumps(record) if self.encoding == "json" else self.trail_codec.encode(record)
        return "cloudtrail", key, value

    def log_event(self, group: str, ts: float, message: str, stream: str = "i-0") -> tuple[str, bytes, bytes]:
        event = {"logGroupName": group, "logStreamName": stream, "timestamp": int(ts * 1000), "message": message}
        if self.encoding == "json":
            return "log-events", group.encode(), orjson.dumps(event)
        event["ingestionTime"] = int(ts * 1000)
        return "log-events", group.encode(), self.log_codec.encode(event)

    def access(self, ts: float) -> tuple[str, bytes, bytes]:
        rng = self.rng
        when = dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
        line = (f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)} - - [{when}] "
                f"\"{rng.choice(('GET', 'GET', 'GET', 'POST'))} {rng.choice(PATHS)} HTTP/1.1\" "
                f"{rng.choice(STATUSES)} {rng.randrange(200, 60_000)}")
        return self.log_event(rng.choice(self.groups), ts, line, f"i-{rng.randrange(8):04x}")

    def one(self, ts: float) -> tuple[str, bytes, bytes]:
        return self.cloudtrail(ts) if self.rng.random() < self.ct_share else self.access(ts)

    def probe(self, seq: int, ts: float) -> tuple[str, bytes, bytes]:
        flag = 1 if int(ts // 10) % 2 == 0 else 0
        return self.log_event(PROBE_GROUP, ts, f"probe {seq} {flag}")


def kafka_producer():
    from kafka import KafkaProducer

    from pipeline.kafka_settings import kafka_python_config

    return KafkaProducer(**kafka_python_config(), linger_ms=20, batch_size=1 << 18, acks=1,
                         max_request_size=8 << 20)


def publish(stream: Stream, records: int) -> dict:
    """Pre-produce ``records`` records with event times over the last records/1000 s."""
    from pipeline import topics

    names = {role: topics.topic_name(role) for role in ("cloudtrail", "log-events")}
    producer = kafka_producer()
    span = records / 1000.0
    base = time.time() - span
    counts: Counter = Counter()
    size = 0
    started = time.monotonic()
    for i in range(records):
        role, key, value = stream.one(base + i * span / records)
        producer.send(names[role], key=key, value=value)
        counts[role] += 1
        size += len(value)
    producer.flush(120)
    elapsed = time.monotonic() - started
    producer.close()
    return {"records": records, "by_topic": dict(counts), "bytes": size, "seconds": round(elapsed, 2),
            "records_per_s": round(records / elapsed), "event_time_span_s": span}


# ---------------------------------------------------------------------------------------------
# observing a consumer group: committed vs end offsets


class Observer:
    def __init__(self, groups: dict[str, str], sources: list[str], outputs: list[str]) -> None:
        from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

        from pipeline.kafka_settings import kafka_python_config

        self.groups = groups  # source topic -> the consumer group that commits it
        self.admin = KafkaAdminClient(**kafka_python_config())
        self.consumer = KafkaConsumer(**kafka_python_config(), group_id=None, enable_auto_commit=False)
        self.sources = sources
        self.outputs = outputs
        self.partitions = {}
        for topic in set(sources) | set(outputs):
            ids = self.consumer.partitions_for_topic(topic) or {0}
            self.partitions[topic] = [TopicPartition(topic, p) for p in sorted(ids)]

    def ends(self, topics_: list[str]) -> dict:
        tps = [tp for t in topics_ for tp in self.partitions[t]]
        return self.consumer.end_offsets(tps)

    def sample(self) -> dict:
        ends = self.ends(sorted(set(self.sources) | set(self.outputs)))
        committed = {}
        for topic in self.sources:
            group = self.groups[topic]
            try:
                offsets = self.admin.list_group_offsets({group: None}).get(group, {})
            except Exception:  # the group's coordinator is not there yet
                offsets = {}
            committed.update({tp: om.offset for tp, om in offsets.items() if tp.topic == topic})
        lag = {t: sum(max(0, ends[tp] - max(committed.get(tp, 0), 0)) for tp in self.partitions[t])
               for t in self.sources}
        lag_by_partition = {t: [max(0, ends[tp] - max(committed.get(tp, 0), 0)) for tp in self.partitions[t]]
                            for t in self.sources}
        end = {t: sum(ends[tp] for tp in self.partitions[t]) for t in set(self.sources) | set(self.outputs)}
        return {"t": time.monotonic(), "lag": lag, "lag_by_partition": lag_by_partition, "end": end}

    def output_times(self, topics_: list[str], since: dict[str, int] | None = None) -> tuple[float, float] | None:
        """(first, last) Kafka timestamp (s) of the records written to ``topics_`` after the
        offsets ``since`` (partition ends of an earlier sample); None if nothing was written."""
        from kafka import KafkaConsumer

        from pipeline.kafka_settings import kafka_python_config

        since = since or {}
        ends = self.ends(topics_)
        reader = KafkaConsumer(**kafka_python_config(), group_id=None, enable_auto_commit=False)
        stamps = []
        try:
            for tp, end in ends.items():
                start = since.get(tp, 0)
                if end <= start:
                    continue
                for offset in {start, end - 1}:
                    reader.assign([tp])
                    reader.seek(tp, offset)
                    for _ in range(20):
                        got = reader.poll(timeout_ms=500, max_records=1).get(tp)
                        if got:
                            stamps.append(got[0].timestamp / 1000)
                            break
        finally:
            reader.close()
        return (min(stamps), max(stamps)) if stamps else None

    def close(self) -> None:
        self.admin.close()
        self.consumer.close()


def run_workers(env: dict[str, str], count: int, records: int, workdir: Path, broker: Broker,
                profile_s: float = 0.0, on_drained=None, timeout_s: float = 1800) -> dict:
    """Start ``count`` workers on the pre-produced stream; measure until every stage is drained."""
    from pipeline import topics

    use_env(env)
    sources = [topics.topic_name(r) for r in ("cloudtrail", "log-events", "event-bus", "metric-data")]
    outputs = [topics.target_topic(TARGET_TOPIC), topics.topic_name("alarm-state-changes"),
               topics.topic_name("dead-letters"), topics.target_topic(ACTION_TOPIC)]
    from pipeline.worker.batch_stage import stage_group

    # the stateless stages commit in their own groups (pipeline.worker.batch_stage), alarms in Faust's
    groups = dict(zip(sources, [stage_group("cloudtrail"), stage_group("metric-filters"), stage_group("event-bus"),
                                env["PIPELINE_APP_ID"]]))
    observer = Observer(groups, sources, outputs)
    initial = observer.sample()
    # what input records become (the "metric data and bus output"): CloudTrail log
    # events, metric data, target deliveries, dead letters; not what alarm evaluations write
    # (state changes, alarm events, actions: ticks drive those too, seconds after the input)
    from_input = [sources[1], sources[3], outputs[0], outputs[2]]
    written_since = observer.ends(from_input)  # outputs of this phase come after these
    broker_cpu0 = cpu_seconds(broker.pid())
    workers = [Worker(env, workdir / f"{env['PIPELINE_APP_ID']}-{i}.log") for i in range(count)]
    launched = time.monotonic()
    samples, t_start, t_end, profile = [], None, None, None
    profiler = None
    try:
        stable = 0
        while True:
            time.sleep(0.5)
            if not all(w.alive() for w in workers):
                dead = next(w for w in workers if not w.alive())
                raise RuntimeError(f"worker exited:\n{dead.log_path.read_text()[-3000:]}")
            s = observer.sample()
            s["worker_cpu_s"] = sum(cpu_seconds(w.process.pid) for w in workers)
            samples.append(s)
            written = sources[1:] + outputs[:1]  # any stage's first output: the clock starts
            out = sum(s["end"][t] for t in written)
            if t_start is None and out > sum(initial["end"][t] for t in written):
                t_start = s["t"] - 0.25  # outputs appear within one sample of the first batch
                if profile_s and profiler is None:
                    profiler = start_profiler(workers[0].process.pid, profile_s, workdir)
            drained = t_start is not None and all(v == 0 for v in s["lag"].values())
            same = len(samples) > 1 and samples[-2]["end"] == s["end"]
            stable = stable + 1 if drained and same else 0
            if drained and t_end is None:
                t_end = s["t"]
            if not drained:
                t_end = None
            if stable >= 3:
                break
            if time.monotonic() - launched > timeout_s:
                raise RuntimeError("workers did not drain the stream in time")
            if t_start is not None and not drained and len(samples) > STALLED_SAMPLES:
                window = samples[-STALLED_SAMPLES:]
                if all(x["lag_by_partition"] == window[0]["lag_by_partition"] for x in window):
                    raise RuntimeError(  # nothing moved for a minute: say where instead of waiting 30
                        f"no progress for {STALLED_SAMPLES // 2} s; lag by partition: {s['lag_by_partition']}")
        result = {
            "workers": count,
            "startup_s": round(t_start - launched, 2),
            "seconds": round(t_end - t_start, 2),
            "records_per_s": round(records / (t_end - t_start)),
            "peak_rss_mb": [round(peak_rss_mb(w.process.pid), 1) for w in workers],
            "worker_cpu_s": [round(cpu_seconds(w.process.pid), 2) for w in workers],
            "broker_cpu_s": round(cpu_seconds(broker.pid()) - broker_cpu0, 2),
            "outputs": {topic_role(t): s["end"][t] - initial["end"][t] for t in sources[1:] + outputs},
            "lag_over_time": lag_timeline(samples, t_start, sources),
            "max_lag_by_partition": {topic_role(t): [max(x["lag_by_partition"][t][i] for x in samples)
                                                     for i in range(len(observer.partitions[t]))]
                                     for t in sources},
        }
        # input -> outputs (the figure): from the first to the last record the workers
        # wrote from input records, by the records' own timestamps. "seconds" above ends when every stage has
        # committed, which adds Faust's commit interval (2.8 s) of the alarms agent and the 0.5 s
        # sampling; the floor is timed to its last acknowledged write, like this one
        span = observer.output_times(from_input, written_since)
        if span is not None and span[1] > span[0]:
            result["output_seconds"] = round(span[1] - span[0], 2)
            result["records_per_s_outputs"] = round(records / (span[1] - span[0]))
        result["cpu_us_per_record"] = round(sum(result["worker_cpu_s"]) * 1e6 / records)
        # how busy the workers were while records flowed (1.0 = one core all the time): below
        # ~0.9 per worker, waits (acks, commits, fetches) limit the rate, not the CPU
        running = [x for x in samples if t_start - 0.5 <= x["t"] <= t_end]
        if len(running) > 1:
            result["busy_cores"] = round((running[-1]["worker_cpu_s"] - running[0]["worker_cpu_s"])
                                         / (running[-1]["t"] - running[0]["t"]), 2)
        if profiler is not None:
            profile = finish_profiler(profiler)
            result["profile"] = profile
        if on_drained is not None:
            result.update(on_drained(workers, result))
        return result
    finally:
        if profiler is not None and profiler[0].poll() is None:
            profiler[0].kill()
        for w in workers:
            w.stop()
        observer.close()


def topic_role(topic: str) -> str:
    prefix = os.environ.get("PIPELINE_TOPIC_PREFIX", "")
    return topic[len(prefix):] if topic.startswith(prefix) else topic


def lag_timeline(samples: list[dict], t0: float, sources: list[str], points: int = 40) -> list[dict]:
    step = max(1, len(samples) // points)
    chosen = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    return [{"t": round(s["t"] - t0, 1), **{topic_role(t): s["lag"][t] for t in sources}} for s in chosen]


# ---------------------------------------------------------------------------------------------
# profile (py-spy)


def start_profiler(pid: int, seconds: float, workdir: Path):
    py_spy = Path(sys.executable).with_name("py-spy")
    if not py_spy.exists():
        print("  (py-spy not installed in the venv: no profile)", file=sys.stderr)
        return None
    out = workdir / "profile.txt"
    process = subprocess.Popen([str(py_spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "100",
                                "-f", "raw", "-o", str(out), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return process, out


def finish_profiler(profiler, top: int = 25) -> dict:
    process, out = profiler
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # py-spy writes what it has sampled so far
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
    if not out.exists():
        return {"error": (process.stderr.read() or b"").decode()[-500:]}
    return summarise_collapsed(out.read_text(), top)


AGENTS = ("aggregate_metric_data", "deliver_cloudtrail", "route_bus_events", "apply_metric_filters",
          "evaluate_on_ticks", "retry_target_deliveries", "follow_definitions")


def summarise_collapsed(text: str, top: int = 25) -> dict:
    """Self and inclusive shares per function, and the share under each agent, from py-spy's
    collapsed stacks. "idle" = samples in the event loop's select (waiting for the network)."""
    self_count, incl, agent = Counter(), Counter(), Counter()
    total = idle = 0
    for line in text.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        n = int(n)
        frames = [short_frame(f) for f in stack.split(";")[1:] if f]  # first item: process/thread
        if not frames:
            continue
        total += n
        if frames[-1].startswith(("EpollSelector.select", "select ")):
            idle += n
        self_count[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
        names = {f.split(" (")[0] for f in frames}
        agent[next((a for a in AGENTS if a in names), "(outside agents: Kafka I/O, commits, Faust)")] += n
    pct = lambda n: round(100.0 * n / total, 1) if total else 0.0  # noqa: E731
    return {"samples": total, "idle_pct": pct(idle),
            "by_agent": [[a, pct(n)] for a, n in agent.most_common()],
            "self": [[f, pct(n)] for f, n in self_count.most_common(top)],
            "inclusive": [[f, pct(n)] for f, n in incl.most_common(top * 3)
                          if not f.startswith(("<module>", "run ", "_run ", "run_forever", "run_until_complete",
                                               "main ", "_run_once", "execute_from_commandline", "__call__ "))][:top * 2]}


def short_frame(frame: str) -> str:
    # py-spy raw frames: "function (path/to/file.py:line)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, _line = where.rpartition(":")
    for marker in ("site-packages/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


# ---------------------------------------------------------------------------------------------
# floor: raw aiokafka consume + produce one small record per input record


async def floor_async(bootstrap: str, in_topics: list[str], out_topic: str, records: int, group: str) -> dict:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    consumer = AIOKafkaConsumer(*in_topics, bootstrap_servers=bootstrap, group_id=group,
                                auto_offset_reset="earliest", enable_auto_commit=True,
                                auto_commit_interval_ms=1000)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    await consumer.start()
    seen = 0
    started = None
    cpu0 = time.process_time()
    try:
        while seen < records:
            batches = await consumer.getmany(timeout_ms=1000, max_records=2000)
            for tp, batch in batches.items():
                if started is None:
                    started = time.monotonic()
                for record in batch:
                    await producer.send(out_topic, key=record.key, value=b"1")
                seen += len(batch)
        await producer.flush()
        elapsed = time.monotonic() - started
    finally:
        await consumer.stop()
        await producer.stop()
    return {"records": seen, "seconds": round(elapsed, 2), "records_per_s": round(seen / elapsed),
            "cpu_us_per_record": round((time.process_time() - cpu0) * 1e6 / seen)}


def run_floor(env: dict[str, str], records: int, broker: Broker) -> dict:
    from pipeline import topics

    use_env(env)
    cpu0 = cpu_seconds(broker.pid())
    result = asyncio.run(floor_async(env["KAFKA_BOOTSTRAP_SERVERS"],
                                     [topics.topic_name("cloudtrail"), topics.topic_name("log-events")],
                                     topics.target_topic("bench-floor-out"), records,
                                     env["PIPELINE_APP_ID"] + "-floor"))
    result["broker_cpu_s"] = round(cpu_seconds(broker.pid()) - cpu0, 2)
    return result


# ---------------------------------------------------------------------------------------------
# latency: a live stream at a fixed rate with probes, on a caught-up worker


def measure_latency(env: dict[str, str], stream: Stream, rate: float, seconds: float) -> dict:
    from kafka import KafkaConsumer, TopicPartition

    from pipeline import topics
    from pipeline.codec import codec_for
    from pipeline.kafka_settings import kafka_python_config

    use_env(env)
    names = {role: topics.topic_name(role) for role in ("cloudtrail", "log-events")}
    reader = KafkaConsumer(**kafka_python_config(), group_id=None, enable_auto_commit=False)
    out_topics = [topics.topic_name("metric-data"), topics.topic_name("alarm-state-changes")]
    tps = [TopicPartition(t, p) for t in out_topics for p in sorted(reader.partitions_for_topic(t))]
    start_offsets = reader.end_offsets(tps)
    producer = kafka_producer()
    sent_ms: dict[int, int] = {}
    started = time.time()
    background = 0
    seq = 0
    tick = 0.05
    next_at = time.monotonic()
    while time.time() - started < seconds:
        now = time.time()
        due = int((now - started) * rate) - background
        for _ in range(due):
            role, key, value = stream.one(now)
            producer.send(names[role], key=key, value=value)
        background += max(due, 0)
        role, key, value = stream.probe(seq, now)
        ts = int(now * 1000)
        producer.send(names[role], key=key, value=value, timestamp_ms=ts)
        sent_ms[seq] = ts
        seq += 1
        next_at += tick
        time.sleep(max(0.0, next_at - time.monotonic()))
    producer.flush(30)
    producer.close()
    time.sleep(12)  # let the last period close and its alarm evaluation go out
    reader.assign(tps)
    for tp in tps:
        reader.seek(tp, start_offsets[tp])
    end = reader.end_offsets(tps)
    from pipeline.metric_data import samples_of

    metric_codec, change_codec = codec_for("metric-data"), codec_for("alarm-state-changes")
    datum_ms, alarm_ms = [], []
    while any(reader.position(tp) < end[tp] for tp in tps):
        for tp, batch in reader.poll(timeout_ms=1000).items():
            for record in batch:
                if tp.topic == out_topics[0]:
                    datum = metric_codec.decode(record.value)
                    if datum["MetricName"] == "ProbeSeq":  # folded: one record may carry several probes
                        datum_ms.extend(record.timestamp - sent_ms[int(seq)] for seq, _ in samples_of(datum))
                else:
                    change = change_codec.decode(record.value)
                    if change["AlarmName"] == PROBE_ALARM and change["StateChangeTime"] >= started * 1000:
                        alarm_ms.append(record.timestamp - change["StateChangeTime"])
    reader.close()
    return {"background_records_per_s": round(rate), "seconds": seconds, "probes": seq,
            "probe_data": len(datum_ms), "datum_ms": percentiles(datum_ms),
            "alarm_transitions": len(alarm_ms), "alarm_ms": percentiles(alarm_ms)}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.5), "p99": pick(0.99), "max": ordered[-1], "mean": round(statistics.fmean(ordered), 1)}


# ---------------------------------------------------------------------------------------------


def print_table(result: dict) -> None:
    f, one = result["floor"], result["one_worker"]
    two = result.get("two_workers")
    lat = one.get("latency", {})
    rows = [
        ("input published", f"{result['publish']['records']:,} records, {result['publish']['records_per_s']:,}/s"),
        ("floor (aiokafka consume+produce)", f"{f['records_per_s']:,} rec/s  ({f['cpu_us_per_record']} us CPU/rec)"),
        ("one worker, input -> outputs", f"{one.get('records_per_s_outputs', 0):,} rec/s  (first to last record "
                                         f"written, {one.get('output_seconds', '?')} s)"),
        ("one worker, until committed", f"{one['records_per_s']:,} rec/s  ({one['cpu_us_per_record']} us CPU/rec, "
                                        f"startup {one['startup_s']} s, busy {one.get('busy_cores', '?')} cores)"),
        ("ratio worker / floor", f"{result.get('ratio_worker_floor_outputs', 0):.3f} to outputs (target >= 0.5), "
                                 f"{result['ratio_worker_floor']:.3f} until committed; by CPU per record "
                                 f"{result.get('cpu_ratio_floor_worker', 0):.3f}"),
        ("peak RSS one worker", f"{one['peak_rss_mb'][0]:.0f} MB"),
    ]
    if two:
        rows += [("two workers", f"{two.get('records_per_s_outputs', 0):,} rec/s to outputs, {two['records_per_s']:,} "
                                 f"until committed  (RSS {two['peak_rss_mb']} MB, CPU s {two['worker_cpu_s']}, "
                                 f"busy {two.get('busy_cores', '?')} cores)"),
                 ("ratio two / one", f"{result.get('ratio_two_one_outputs', 0):.2f} to outputs, "
                                     f"{result['ratio_two_one']:.2f} until committed")]
    if lat:
        rows += [("latency input -> metric datum",
                  f"p50 {lat['datum_ms'].get('p50')} ms, p99 {lat['datum_ms'].get('p99')} ms "
                  f"({lat['probe_data']} probes at {lat['background_records_per_s']:,} rec/s background)"),
                 ("latency period end -> alarm change",
                  f"p50 {lat['alarm_ms'].get('p50')} ms, p99 {lat['alarm_ms'].get('p99')} ms "
                  f"({lat['alarm_transitions']} transitions)")]
    out = one["outputs"]
    rows.append(("one worker outputs", ", ".join(f"{k} +{v:,}" for k, v in out.items())))
    width = max(len(r[0]) for r in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print("\n  lag over time (one worker; s since first output: cloudtrail/log-events/event-bus/metric-data):")
    print("   " + "  ".join(f"{p['t']}s:{'/'.join(str(v) for k, v in p.items() if k != 't')}"
                            for p in one["lag_over_time"][:: max(1, len(one["lag_over_time"]) // 10)]))
    if "profile" in one and "self" in one["profile"]:
        print(f"\n  profile (py-spy, one worker, {one['profile']['samples']} samples): by agent")
        for name, pct in one["profile"]["by_agent"]:
            print(f"   {pct:5.1f}%  {name}")
        print("  top self time")
        for name, pct in one["profile"]["self"][:12]:
            print(f"   {pct:5.1f}%  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=29692)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--alarms", type=int, default=1000)
    parser.add_argument("--log-groups", type=int, default=4, help="access-log groups (one partition each)")
    parser.add_argument("--cloudtrail-share", type=float, default=0.4)
    parser.add_argument("--encoding", choices=("avro", "json"), default="avro")
    parser.add_argument("--latency-seconds", type=float, default=45.0)
    parser.add_argument("--skip-two", action="store_true", help="skip the two-worker phase")
    parser.add_argument("--profile", action="store_true", help="py-spy the one-worker phase")
    parser.add_argument("--profile-seconds", type=float, default=30.0, help="py-spy sampling time (from first output)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cloudtrail-io-only", action="store_true",
                        help="what-if: the CloudTrail stage only writes its outputs (bench/profile_worker.py)")
    parser.add_argument("--bootstrap", help="use a running broker instead of starting one")
    parser.add_argument("--output", help="JSON path (default bench/results/e2e-<date>.json)")
    args = parser.parse_args()

    def interrupted(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    if args.cloudtrail_io_only:
        os.environ["BENCH_CLOUDTRAIL_IO_ONLY"] = "1"  # the workers inherit it
    run = uuid.uuid4().hex[:6]
    workdir = Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
    broker = Broker(args.port)
    result: dict = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "load_before": os.getloadavg()},
                    "config": {k: v for k, v in vars(args).items() if k not in ("output",)}}
    try:
        if args.bootstrap:
            broker.bootstrap = args.bootstrap
        else:
            print(f"starting broker on {broker.bootstrap} ({broker.data_dir})", flush=True)
            broker.start()
        env_a = phase_env(broker.bootstrap, run, "a", args.partitions)
        use_env(env_a)
        from pipeline.admin import ensure_topics
        from pipeline import topics

        groups = access_groups(args.partitions, args.log_groups)
        definitions = build_definitions(groups, args.rules, args.alarms, args.seed)
        result["config"]["definitions"] = dict(Counter(next(iter(d)) for d in definitions))

        def prepare(env: dict[str, str]) -> dict:
            use_env(env)
            ensure_topics([topics.target_topic(t) for t in (TARGET_TOPIC, ACTION_TOPIC, "bench-floor-out")])
            apply_definitions(env, definitions, workdir)
            stream = Stream(groups, args.seed, args.cloudtrail_share, args.encoding)
            print(f"publishing {args.records:,} records to {env['PIPELINE_TOPIC_PREFIX']}*", flush=True)
            return publish(stream, args.records)

        result["publish"] = prepare(env_a)
        print(f"  {result['publish']}", flush=True)
        print("floor: raw aiokafka consume + produce", flush=True)
        result["floor"] = run_floor(env_a, args.records, broker)
        print(f"  {result['floor']}", flush=True)

        def latency(workers, measured):
            if args.latency_seconds <= 0:
                return {}
            rate = 0.5 * measured["records_per_s"]
            print(f"latency: {args.latency_seconds:.0f} s live at {rate:,.0f} rec/s + 20 probes/s", flush=True)
            stream = Stream(groups, args.seed + 1, args.cloudtrail_share, args.encoding)
            found = measure_latency(env_a, stream, rate, args.latency_seconds)
            return {"latency": found, "peak_rss_mb_after_latency": [round(peak_rss_mb(w.process.pid), 1)
                                                                     for w in workers]}

        print("one worker", flush=True)
        one = run_workers(env_a, 1, args.records, workdir, broker,
                          profile_s=args.profile_seconds if args.profile else 0.0, on_drained=latency)
        result["one_worker"] = one
        print(f"  {one['records_per_s']:,} rec/s, RSS {one['peak_rss_mb']} MB", flush=True)
        result["ratio_worker_floor"] = round(one["records_per_s"] / result["floor"]["records_per_s"], 3)
        if "records_per_s_outputs" in one:
            result["ratio_worker_floor_outputs"] = round(one["records_per_s_outputs"] / result["floor"]["records_per_s"], 3)
        # CPU per record is steadier than records/s on a shared machine
        result["cpu_ratio_floor_worker"] = round(result["floor"]["cpu_us_per_record"] / one["cpu_us_per_record"], 3)

        if not args.skip_two:
            env_b = phase_env(broker.bootstrap, run, "b", args.partitions)
            result["publish_two"] = prepare(env_b)
            print("two workers", flush=True)
            try:
                two = run_workers(env_b, 2, args.records, workdir, broker)
            except RuntimeError as error:  # stuck: keep what the other phases measured
                result["two_workers_error"] = str(error)
                print(f"  two workers: {error}", flush=True)
            else:
                result["two_workers"] = two
                result["ratio_two_one"] = round(two["records_per_s"] / one["records_per_s"], 3)
                if "records_per_s_outputs" in two and "records_per_s_outputs" in one:
                    result["ratio_two_one_outputs"] = round(two["records_per_s_outputs"] / one["records_per_s_outputs"], 3)
                print(f"  {two['records_per_s']:,} rec/s", flush=True)

        result["machine"]["load_after"] = os.getloadavg()
        print_table(result)
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = Path(args.output) if args.output else RESULTS / f"e2e-{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(result, indent=1) + "\n")
        print(f"\nwrote {path} (worker logs and py-spy output in {workdir})")
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if not args.bootstrap:
            broker.stop()


if __name__ == "__main__":
    sys.exit(main())
