"""docker-compose.yml is accepted by the Compose tool where one is installed (no engine needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_is_accepted():
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    result = subprocess.run([*command, "-f", str(PROJECT / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 0, result.stderr


def test_compose_runs_kraft_and_workers_built_from_the_dockerfile():
    compose = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    worker = compose["services"]["worker"]
    assert (PROJECT / worker["build"]["dockerfile"]).is_file()
    assert compose["services"]["topic-init"]["command"] == ["create-topics"]
