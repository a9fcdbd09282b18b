"""Every refusal reaches the user as one clear line on stderr and exit code 1, not a traceback."""

from __future__ import annotations

import argparse

import pytest
from kafka.errors import KafkaTimeoutError

from pipeline import cli
from pipeline.errors import PipelineError


def run_with(handler, monkeypatch, capsys) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    parser.set_defaults(handler=handler)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    code = cli.main([])
    return code, capsys.readouterr().err


def test_pipeline_errors(monkeypatch, capsys):
    def handler(args):
        raise PipelineError("bad thing")

    assert run_with(handler, monkeypatch, capsys) == (1, "An error occurred (PipelineError): bad thing\n")


def test_unreadable_files_and_bad_json(monkeypatch, capsys):
    def handler(args):
        open("/nonexistent/definitions.yaml")

    code, err = run_with(handler, monkeypatch, capsys)
    assert code == 1 and err.startswith("An error occurred (FileNotFoundError)")


def test_broker_errors_name_the_broker(monkeypatch, capsys):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")

    def handler(args):
        raise KafkaTimeoutError("Unable to bootstrap")

    code, err = run_with(handler, monkeypatch, capsys)
    assert code == 1 and "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1; is the broker running?" in err


def test_bugs_keep_their_traceback(monkeypatch, capsys):
    def handler(args):
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        run_with(handler, monkeypatch, capsys)
