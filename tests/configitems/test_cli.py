"""The offline commands through ``python -m pipeline`` in a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

from .samples import ROOT, real, security_group, permission, base

PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # pragma: no cover - running outside the project venv
    PYTHON = Path(sys.executable)


def run(*args, cwd=ROOT):
    return subprocess.run([str(PYTHON), "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def write(tmp_path, name, value):
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


def test_diff_without_previous_is_create(tmp_path):
    result = run("diff-configuration-items", "--current", write(tmp_path, "cur.json", real("ci-03")))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"changedProperties": {}, "changeType": "CREATE"}


def test_diff_of_two_items_matches_the_recorded_aws_diff(tmp_path):
    result = run("diff-configuration-items", "--previous", write(tmp_path, "prev.json", real("ci-04")),
                 "--current", write(tmp_path, "cur.json", real("ci-05")))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changedProperties"] == {
        "SupplementaryConfiguration.BucketVersioningConfiguration.Status": {
            "previousValue": "Enabled", "updatedValue": "Suspended", "changeType": "UPDATE"}}


def test_diff_refuses_a_malformed_item(tmp_path):
    bad = real("ci-06")
    bad["configurationItemStatus"] = "Deleted"
    result = run("diff-configuration-items", "--current", write(tmp_path, "cur.json", bad))
    assert result.returncode == 1
    assert "ConfigItemError" in result.stderr and "configurationItemStatus" in result.stderr


def test_diff_refuses_a_missing_file(tmp_path):
    result = run("diff-configuration-items", "--current", str(tmp_path / "nope.json"))
    assert result.returncode == 1 and "cannot read" in result.stderr


def test_config_rule_with_and_without_wrapper(tmp_path):
    bare = {"ConfigRuleName": "restricted-ssh", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}}
    item = write(tmp_path, "ci.json", real("ci-06"))
    for body in (bare, {"ConfigRule": bare}):
        result = run("test-config-rule", "--config-rule", write(tmp_path, "rule.json", body), "--configuration-item", item)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {"ComplianceType": "NON_COMPLIANT",
                                             "Annotation": "incoming SSH (TCP 22) is allowed from 0.0.0.0/0"}


def test_config_rule_out_of_scope_and_with_parameters(tmp_path):
    rule = {"ConfigRuleName": "ports", "Source": {"Owner": "AWS", "SourceIdentifier": "RESTRICTED_INCOMING_TRAFFIC"},
            "InputParameters": json.dumps({"blockedPort1": 8080})}
    out = run("test-config-rule", "--config-rule", write(tmp_path, "rule.json", rule),
              "--configuration-item", write(tmp_path, "ci.json", real("ci-05")))
    assert json.loads(out.stdout)["ComplianceType"] == "NOT_APPLICABLE"
    sg = security_group("sg-1", [permission("tcp", 8080, 8080, "0.0.0.0/0")])
    out = run("test-config-rule", "--config-rule", write(tmp_path, "rule.json", rule),
              "--configuration-item", write(tmp_path, "ci.json", sg))
    assert json.loads(out.stdout)["ComplianceType"] == "NON_COMPLIANT"


def test_config_rule_with_related_resources(tmp_path):
    vpc = base("AWS::EC2::VPC", "vpc-1", {"vpcId": "vpc-1"})
    flow = base("AWS::EC2::FlowLog", "fl-1", {"flowLogId": "fl-1", "resourceId": "vpc-1", "flowLogStatus": "ACTIVE",
                                              "trafficType": "ALL"})
    rule = write(tmp_path, "rule.json", {"ConfigRuleName": "vpc", "Source": {"Owner": "AWS", "SourceIdentifier": "VPC_FLOW_LOGS_ENABLED"}})
    alone = run("test-config-rule", "--config-rule", rule, "--configuration-item", write(tmp_path, "vpc.json", vpc))
    assert json.loads(alone.stdout)["ComplianceType"] == "NON_COMPLIANT"
    (tmp_path / "items.jsonl").write_text(json.dumps(flow) + "\n")
    with_logs = run("test-config-rule", "--config-rule", rule, "--configuration-item", str(tmp_path / "vpc.json"),
                    "--resources", str(tmp_path / "items.jsonl"))
    assert json.loads(with_logs.stdout)["ComplianceType"] == "COMPLIANT", with_logs.stderr


def test_invalid_rule_exits_1(tmp_path):
    rule = write(tmp_path, "rule.json", {"ConfigRuleName": "x", "Source": {"Owner": "AWS", "SourceIdentifier": "NOPE"}})
    result = run("test-config-rule", "--config-rule", rule, "--configuration-item", write(tmp_path, "ci.json", real("ci-06")))
    assert result.returncode == 1 and "ConfigRuleError" in result.stderr


def test_offline_commands_import_neither_faust_nor_kafka(tmp_path):
    rule = write(tmp_path, "rule.json", {"ConfigRuleName": "restricted-ssh",
                                         "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
    item = write(tmp_path, "ci.json", real("ci-06"))
    script = (
        "import sys, io, contextlib\n"
        "from pipeline.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['diff-configuration-items', '--current', {item!r}]) == 0\n"
        f"    assert main(['test-config-rule', '--config-rule', {rule!r}, '--configuration-item', {item!r}]) == 0\n"
        "import pipeline.configitems\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('faust', 'kafka', 'aiokafka', 'mode'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([str(PYTHON), "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
