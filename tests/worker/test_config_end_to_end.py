"""A real broker, a real `pipeline worker`: configuration items in; history, notifications, bus
events, config rule compliance and the Kafka-backed Config commands out."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import topics
from pipeline.producer import Producer
from pipeline.worker.config_recorder import partition_for_key
from tests.fixtures.kafka_io import read_records
from tests.fixtures.shared_data import SHARED_DATA

pytestmark = [pytest.mark.broker, pytest.mark.slow]

DATA = SHARED_DATA
SG = "AWS::EC2::SecurityGroup"
ACCOUNT = "123456789012"

SSH_RULE = """
- PutConfigRule:
    ConfigRule:
      ConfigRuleName: restricted-ssh
      ConfigRuleArn: arn:aws:config:us-east-1:123456789012:config-rule/config-rule-ssh
      Source: {Owner: AWS, SourceIdentifier: INCOMING_SSH_DISABLED}
"""

PERIODIC_RULES = """
- PutConfigRule:
    ConfigRule:
      ConfigRuleName: flow-logs
      Source: {Owner: AWS, SourceIdentifier: VPC_FLOW_LOGS_ENABLED}
- PutConfigRule:
    ConfigRule:
      ConfigRuleName: trail-on
      Source: {Owner: AWS, SourceIdentifier: CLOUD_TRAIL_ENABLED}
- PutConfigRule:
    ConfigRule:
      ConfigRuleName: team-owner
      Scope: {TagKey: team}
      InputParameters: {tag1Key: owner}
      Source: {Owner: AWS, SourceIdentifier: REQUIRED_TAGS}
"""

TAG_RULE = """
- PutConfigRule:
    ConfigRule:
      ConfigRuleName: owner-tag
      Scope: {ComplianceResourceTypes: ["AWS::EC2::VPC"]}
      InputParameters: {tag1Key: owner}
      Source: {Owner: AWS, SourceIdentifier: REQUIRED_TAGS}
"""


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def apply(text: str, tmp_path: Path, env, name: str = "rules.yaml") -> None:
    path = tmp_path / name
    path.write_text(text)
    applied = cli("apply", str(path), env=env)
    assert applied.returncode == 0, applied.stderr


def item(resource_type: str, resource_id: str, captured: str, state_id: int, configuration: dict,
         tags: dict | None = None, status: str = "OK") -> dict:
    return {
        "version": "1.3", "accountId": ACCOUNT, "configurationItemCaptureTime": captured,
        "configurationItemStatus": status, "configurationStateId": str(state_id),
        "arn": f"arn:aws:test:us-east-1:{ACCOUNT}:{resource_id}", "resourceType": resource_type,
        "resourceId": resource_id, "resourceName": resource_id, "awsRegion": "us-east-1",
        "availabilityZone": "Not Applicable", "tags": tags or {}, "relatedEvents": [], "relationships": [],
        "configuration": configuration, "supplementaryConfiguration": {},
    }


def security_group(captured: str, state_id: int, cidr: str, tags: dict | None = None) -> dict:
    permission = {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipv4Ranges": [{"cidrIp": cidr}],
                  "ipRanges": [cidr]}
    return item(SG, "sg-test1", captured, state_id, {"groupId": "sg-test1", "ipPermissions": [permission]}, tags)


def data_set() -> list[dict]:
    return [json.loads(line) for line in (DATA / "config_items.jsonl").read_text().splitlines() if line.strip()]


def for_resource(resource_id: str):
    return lambda r: r["key"] == f"{SG}/{resource_id}".encode()


def test_recorder_rules_dead_letters_and_commands(pipeline_env, start_worker, tmp_path):
    apply(SSH_RULE, tmp_path, pipeline_env)
    worker = start_worker()
    t = "2024-11-25T10:{:02d}:00.000Z".format
    v1 = security_group(t(0), 1, "0.0.0.0/0")                      # SSH open: NON_COMPLIANT
    v1_again = security_group(t(5), 2, "0.0.0.0/0")                # same state: records nothing
    v2 = security_group(t(10), 3, "10.0.0.0/8")                    # closed: COMPLIANT
    older = security_group("2024-11-25T09:00:00.000Z", 0, "192.168.0.0/16")  # out of order: ignored
    v3 = security_group(t(20), 4, "10.0.0.0/8", tags={"env": "prod"})         # tag added
    dataset = data_set()
    with Producer() as producer:
        for value in (v1, v1_again, v2, older, v3):
            producer.send("config-items", value)
        for line in dataset:
            if line["configurationItem"]["configurationItemCaptureTime"] is None:
                # reconstructed items without capture time: JSON in, refused with the reason
                producer.send_raw(topics.topic_name("config-items"), json.dumps(line["configurationItem"]).encode(),
                                  b"reconstructed")
            else:
                producer.send("config-items", line["configurationItem"])
        producer.send_raw(topics.topic_name("config-items"), b"\x00 not an item", b"junk")

    # history: v1, v2, v3 only (v3 comes after the duplicate and the older item on its partition)
    history = read_records("config-history", count=3, timeout_s=60, predicate=for_resource("sg-test1"))
    assert [h["value"]["configurationItemCaptureTime"] for h in history] == [t(0), t(10), t(20)], history
    assert [h["value"]["configurationStateId"] for h in history] == ["1", "3", "4"]
    # periodic runs find a resource's partition by murmur2 of its key, as Kafka producers do
    everything = read_records("config-history", count=8, timeout_s=30)  # + 5 items of the data set
    assert len({h["key"] for h in everything}) == 6
    assert all(h["partition"] == partition_for_key(h["key"], topics.partitions()) for h in everything)

    notifications = read_records("config-notifications", count=3, timeout_s=10, predicate=for_resource("sg-test1"))
    assert all(n["value"]["type"] == "ConfigurationItemChangeNotification" for n in notifications)
    create, update, tagged = (n["value"]["document"] for n in notifications)
    assert create["configurationItemDiff"] == {"changedProperties": {}, "changeType": "CREATE"}
    assert create["configurationItem"]["configurationItemCaptureTime"] == t(0)
    assert update["configurationItemDiff"]["changeType"] == "UPDATE"
    changed = update["configurationItemDiff"]["changedProperties"]
    assert {p: c["changeType"] for p, c in changed.items()} == {
        "Configuration.IpPermissions.0": "DELETE", "Configuration.IpPermissions.1": "CREATE"}
    assert changed["Configuration.IpPermissions.0"]["previousValue"]["ipv4Ranges"] == [{"cidrIp": "0.0.0.0/0"}]
    assert tagged["configurationItemDiff"]["changedProperties"]["Tags.env"]["changeType"] == "CREATE"
    assert tagged["messageType"] == "ConfigurationItemChangeNotification"

    # bus events are keyed by event id: spread over partitions, so order them by capture time
    changes = sorted((e["value"] for e in read_records("event-bus", count=3, timeout_s=10, predicate=lambda e: (
        e["value"]["detail-type"] == "Config Configuration Item Change"
        and e["value"]["detail"]["configurationItem"]["resourceId"] == "sg-test1"))), key=lambda e: e["time"])
    assert [e["time"] for e in changes] == ["2024-11-25T10:00:00Z", "2024-11-25T10:10:00Z", "2024-11-25T10:20:00Z"]
    assert changes[1]["source"] == "aws.config" and changes[1]["account"] == ACCOUNT
    assert changes[1]["region"] == "us-east-1" and changes[1]["resources"] == [v2["arn"]]
    assert changes[1]["detail"] == update

    mine = sorted((e["value"]["detail"] for e in read_records("event-bus", count=2, timeout_s=10, predicate=lambda e: (
        e["value"]["detail-type"] == "Config Rules Compliance Change"
        and e["value"]["detail"]["resourceId"] == "sg-test1"))),
        key=lambda d: d["newEvaluationResult"]["evaluationResultIdentifier"]["orderingTimestamp"])
    assert [(d["oldEvaluationResult"] or {}).get("complianceType") for d in mine] == [None, "NON_COMPLIANT"]
    assert [d["newEvaluationResult"]["complianceType"] for d in mine] == ["NON_COMPLIANT", "COMPLIANT"]
    assert mine[0]["configRuleName"] == "restricted-ssh" and mine[0]["awsAccountId"] == ACCOUNT
    assert mine[0]["configRuleARN"] == "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-ssh"

    evaluations = read_records("compliance", count=3, timeout_s=10,
                               predicate=lambda r: r["value"]["document"]["ComplianceResourceId"] == "sg-test1")
    assert [e["value"]["document"]["ComplianceType"] for e in evaluations] == [
        "NON_COMPLIANT", "COMPLIANT", "COMPLIANT"]
    assert all(e["value"]["type"] == "Evaluation" for e in evaluations)

    # the data set: ci-03 (sg-3f1fef43) compliant, ci-06 (sg-1d56fc66) open to the world
    others = read_records("compliance", count=2, timeout_s=30, predicate=lambda r: r["value"]["document"][
        "ComplianceResourceId"] in ("sg-3f1fef43", "sg-1d56fc66"))
    assert {e["value"]["document"]["ComplianceResourceId"]: e["value"]["document"]["ComplianceType"]
            for e in others} == {"sg-3f1fef43": "COMPLIANT", "sg-1d56fc66": "NON_COMPLIANT"}

    dead = read_records("dead-letters", count=3, timeout_s=30)
    reasons = sorted(d["value"]["error"] for d in dead)
    assert all(d["value"]["stage"] == "decode" for d in dead)
    assert sum("configurationItemCaptureTime is required" in r for r in reasons) == 2, reasons
    assert any("not valid Avro" in r for r in reasons), reasons
    assert all(d["value"]["sourceTopic"] == topics.topic_name("config-items") for d in dead)

    # the Kafka-backed commands
    shown = cli("get-resource-config-history", "--resource-type", SG, "--resource-id", "sg-test1", env=pipeline_env)
    assert shown.returncode == 0, shown.stderr
    items = json.loads(shown.stdout)["configurationItems"]
    assert [i["configurationItemCaptureTime"] for i in items] == [t(20), t(10), t(0)]
    assert items[0]["tags"] == {"env": "prod"} and items[0]["accountId"] == ACCOUNT
    assert json.loads(items[0]["configuration"])["groupId"] == "sg-test1"  # API spelling: JSON text

    page = json.loads(cli("get-resource-config-history", "--resource-type", SG, "--resource-id", "sg-test1",
                          "--chronological-order", "Forward", "--limit", "1", "--earlier-time", t(5),
                          env=pipeline_env).stdout)
    assert [i["configurationItemCaptureTime"] for i in page["configurationItems"]] == [t(10)]
    assert page["nextToken"]

    unknown = cli("get-resource-config-history", "--resource-type", SG, "--resource-id", "sg-nope", env=pipeline_env)
    assert unknown.returncode == 1 and "ResourceNotDiscovered" in unknown.stderr

    snapshot_file = tmp_path / "snapshot.json"
    delivered = cli("deliver-config-snapshot", "--output", str(snapshot_file), env=pipeline_env)
    assert delivered.returncode == 0, delivered.stderr
    snapshot = json.loads(snapshot_file.read_text())
    assert json.loads(delivered.stdout)["configSnapshotId"] == snapshot["configSnapshotId"]
    current = {(i["resourceType"], i["resourceId"]): i for i in snapshot["configurationItems"]}
    assert current[(SG, "sg-test1")]["configurationItemCaptureTime"] == t(20)
    assert {(SG, "sg-3f1fef43"), (SG, "sg-1d56fc66"), ("AWS::EC2::Volume", "vol-a416b170")} <= set(current)

    published = cli("deliver-config-snapshot", "--topic", "snapshots", env=pipeline_env)
    assert published.returncode == 0, published.stderr
    on_topic = read_records(topics.target_topic("snapshots"), count=1, timeout_s=10)
    assert on_topic[0]["value"]["configSnapshotId"] == snapshot["configSnapshotId"]

    described = cli("describe-compliance-by-config-rule", env=pipeline_env)
    assert described.returncode == 0, described.stderr
    assert json.loads(described.stdout) == {"ComplianceByConfigRules": [{
        "ConfigRuleName": "restricted-ssh",
        "Compliance": {"ComplianceType": "NON_COMPLIANT",
                       "ComplianceContributorCount": {"CappedCount": 1, "CapExceeded": False}}}]}

    details = cli("get-compliance-details-by-config-rule", "--config-rule-name", "restricted-ssh",
                  "--compliance-types", "COMPLIANT", env=pipeline_env)
    assert details.returncode == 0, details.stderr
    results = json.loads(details.stdout)["EvaluationResults"]
    assert [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in results] == [
        "sg-3f1fef43", "sg-test1"]
    assert results[1]["EvaluationResultIdentifier"]["OrderingTimestamp"] == t(20)

    missing = cli("describe-compliance-by-config-rule", "--config-rule-names", "nope", env=pipeline_env)
    assert missing.returncode == 1 and "NoSuchConfigRule" in missing.stderr
    assert worker.process.poll() is None

    # a new worker recovers both tables from their changelogs: the same state again records
    # nothing, and the next change is diffed against v3 and compared with the stored COMPLIANT
    worker.stop()
    start_worker()
    v4 = security_group(t(30), 5, "0.0.0.0/0", tags={"env": "prod"})
    with Producer() as producer:
        producer.send("config-items", security_group(t(25), 6, "10.0.0.0/8", tags={"env": "prod"}))
        producer.send("config-items", v4)
    history = read_records("config-history", count=4, timeout_s=60, predicate=for_resource("sg-test1"))
    assert [h["value"]["configurationItemCaptureTime"] for h in history] == [t(0), t(10), t(20), t(30)]
    notification = read_records("config-notifications", count=4, timeout_s=10,
                                predicate=for_resource("sg-test1"))[-1]["value"]["document"]
    assert set(notification["configurationItemDiff"]["changedProperties"]) == {
        "Configuration.IpPermissions.0", "Configuration.IpPermissions.1"}
    flipped = read_records("event-bus", count=3, timeout_s=30, predicate=lambda e: (
        e["value"]["detail-type"] == "Config Rules Compliance Change"
        and e["value"]["detail"]["resourceId"] == "sg-test1"))
    last = max((e["value"]["detail"] for e in flipped),
               key=lambda d: d["newEvaluationResult"]["evaluationResultIdentifier"]["orderingTimestamp"])
    assert last["oldEvaluationResult"]["complianceType"] == "COMPLIANT"
    assert last["newEvaluationResult"]["complianceType"] == "NON_COMPLIANT"


def test_periodic_and_new_rules_run_on_ticks(pipeline_env, start_worker, tmp_path):
    apply(PERIODIC_RULES, tmp_path, pipeline_env)
    recording_group = {"recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
                       "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::Subnet"]}}
    settings = dict(PIPELINE_CONFIG_TICK_INTERVAL="1", PIPELINE_CONFIG_PERIODIC_FREQUENCY_S="2",
                    PIPELINE_CONFIG_RECORDING_GROUP=json.dumps(recording_group))
    worker = start_worker(**settings)
    # two workers, one partition each: ticks, the account partition and flow logs cross workers
    second = start_worker("second", **settings)
    with Producer() as producer:
        producer.send("config-items", item("AWS::EC2::Subnet", "subnet-1", "2024-11-25T10:00:00.000Z", 1, {}))
        # in the scope of team-owner (tag team), then out of it: NON_COMPLIANT, then NOT_APPLICABLE
        producer.send("config-items", item("AWS::EC2::Instance", "i-1", "2024-11-25T10:00:00.000Z", 1, {},
                                           tags={"team": "a"}))
        producer.send("config-items", item("AWS::EC2::Instance", "i-1", "2024-11-25T10:01:00.000Z", 2, {}))
        for vpc in ("vpc-1", "vpc-2", "vpc-3", "vpc-4"):
            producer.send("config-items", item("AWS::EC2::VPC", vpc, "2024-11-25T10:00:00.000Z", 1,
                                               {"vpcId": vpc}, tags={"owner": "me"} if vpc == "vpc-1" else None))
        producer.send("config-items", item("AWS::EC2::FlowLog", "fl-1", "2024-11-25T10:00:00.000Z", 1,
                                           {"flowLogId": "fl-1", "resourceId": "vpc-1", "flowLogStatus": "ACTIVE",
                                            "trafficType": "ALL"}))
        producer.send("config-items", item("AWS::CloudTrail::Trail", "main", "2024-11-25T10:00:00.000Z", 1,
                                           {"name": "main", "isMultiRegionTrail": True, "s3BucketName": "logs"}))

    def latest(rule: str) -> dict:
        """The last evaluation per resource of a rule (one key, one partition: in order)."""
        results = {}
        for r in read_records("compliance", count=10_000, timeout_s=2, predicate=lambda r: (
                r["value"]["type"] == "Evaluation" and r["value"]["document"]["ConfigRuleName"] == rule
                and not r["value"]["document"].get("Ignored"))):
            document = r["value"]["document"]
            results[document["ComplianceResourceId"]] = document["ComplianceType"]
        return results

    def wait_for(rule: str, expected: dict, timeout_s: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            found = latest(rule)
            if found == expected or time.monotonic() > deadline:
                return found

    # flow logs are recorded on whichever partition: the rule sees them through config-history
    assert wait_for("flow-logs", {"vpc-1": "COMPLIANT", "vpc-2": "NON_COMPLIANT", "vpc-3": "NON_COMPLIANT",
                                  "vpc-4": "NON_COMPLIANT"}) == {
        "vpc-1": "COMPLIANT", "vpc-2": "NON_COMPLIANT", "vpc-3": "NON_COMPLIANT", "vpc-4": "NON_COMPLIANT"}
    # account-level: once, on the partition owning "AWS::::Account", over every partition's trails
    assert wait_for("trail-on", {ACCOUNT: "COMPLIANT"}) == {ACCOUNT: "COMPLIANT"}

    assert wait_for("team-owner", {"i-1": "NOT_APPLICABLE"}) == {"i-1": "NOT_APPLICABLE"}
    left = [r["value"]["document"] for r in read_records("compliance", count=10_000, timeout_s=2, predicate=lambda r: (
        r["value"]["document"]["ComplianceResourceId"] == "i-1" and not r["value"]["document"].get("Ignored")))]
    # (a tick's first run of the new rule may evaluate the first version once more)
    assert left[0]["ComplianceType"] == "NON_COMPLIANT" and left[-1]["ComplianceType"] == "NOT_APPLICABLE"
    assert left[-1]["Annotation"] == "the resource left the rule's scope"

    # periodic: evaluated again after the (overridden) frequency
    runs = read_records("compliance", count=10_000, timeout_s=2,
                        predicate=lambda r: r["value"]["document"]["ComplianceResourceId"] == "vpc-2"
                        and r["value"]["document"]["ConfigRuleName"] == "flow-logs")
    assert len({r["value"]["document"]["OrderingTimestamp"] for r in runs}) >= 2

    # a change-triggered rule put after the items were recorded evaluates them at the next tick
    apply(TAG_RULE, tmp_path, pipeline_env, "tags.yaml")
    expected_tags = {"vpc-1": "COMPLIANT", "vpc-2": "NON_COMPLIANT", "vpc-3": "NON_COMPLIANT", "vpc-4": "NON_COMPLIANT"}
    assert wait_for("owner-tag", expected_tags) == expected_tags

    # DeleteConfigRule deletes its evaluation results (at the next tick)
    assert cli("delete", "ConfigRule", "team-owner", env=pipeline_env).returncode == 0
    gone = read_records("compliance", count=1, timeout_s=20,
                        predicate=lambda r: r["value"]["type"] == "EvaluationDeleted")
    assert [g["value"]["document"] for g in gone] == [
        {"ConfigRuleName": "team-owner", "ComplianceResourceType": "AWS::EC2::Instance", "ComplianceResourceId": "i-1"}]

    described = cli("describe-compliance-by-config-rule", "--config-rule-names", "flow-logs", "trail-on",
                    env=pipeline_env)
    assert json.loads(described.stdout)["ComplianceByConfigRules"] == [
        {"ConfigRuleName": "flow-logs", "Compliance": {
            "ComplianceType": "NON_COMPLIANT", "ComplianceContributorCount": {"CappedCount": 3, "CapExceeded": False}}},
        {"ConfigRuleName": "trail-on", "Compliance": {"ComplianceType": "COMPLIANT"}},
    ]
    snapshot = json.loads(cli("deliver-config-snapshot", env=pipeline_env).stdout)
    recorded = {i["resourceId"] for i in snapshot["configurationItems"]}
    assert {"vpc-1", "fl-1", "main", "i-1"} <= recorded and "subnet-1" not in recorded  # not in the recording group
    assert worker.process.poll() is None and second.process.poll() is None
