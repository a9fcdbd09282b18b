"""faust.App settings from the environment (see pipeline.kafka_settings for the broker ones).

PIPELINE_APP_ID      consumer group and prefix of internal topics (default "pipeline")
PIPELINE_STORE       table store: memory:// (default; rebuilt from changelogs) or rocksdb://
PIPELINE_WEB_PORT    Faust's web server port; unset disables it so many workers fit on one host
PIPELINE_DATA_DIR    the worker's data directory (default Faust's: "<app id>-data" in the cwd)
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pipeline import topics
from pipeline.kafka_settings import bootstrap_servers, faust_credentials


def app_id() -> str:
    return os.environ.get("PIPELINE_APP_ID", "pipeline")


def app_settings() -> dict[str, Any]:
    web_port = os.environ.get("PIPELINE_WEB_PORT")
    settings: dict[str, Any] = {
        "broker": ",".join(f"kafka://{server}" for server in bootstrap_servers().split(",")),
        "store": os.environ.get("PIPELINE_STORE", "memory://"),
        "topic_partitions": topics.partitions(),
        "topic_replication_factor": int(os.environ.get("PIPELINE_REPLICATION_FACTOR", "1")),
        "consumer_auto_offset_reset": "earliest",
        "web_enabled": web_port is not None,
        "web_port": int(web_port or 6066),
        # short timeouts: a stopped worker's partitions move within seconds, not a minute
        "broker_session_timeout": float(os.environ.get("PIPELINE_SESSION_TIMEOUT", "10")),
        "broker_heartbeat_interval": 1.0,
        "broker_rebalance_timeout": 30.0,
        "broker_commit_interval": 1.0,
        "table_standby_replicas": int(os.environ.get("PIPELINE_STANDBY_REPLICAS", "0")),
        "table_cleanup_interval": 5.0,
        "stream_wait_empty": False,
        # bigger produce requests: small ones were 8-24% of a worker's time (bench/e2e profile)
        "producer_linger": 0.02,
        # and fewer of them: 16 KB batches (the default) held ~16 CloudTrail-sized records each
        "producer_max_batch_size": int(os.environ.get("PIPELINE_PRODUCER_BATCH_BYTES", str(512 * 1024))),
        "producer_max_request_size": 4 * 1024 * 1024,
    }
    if os.environ.get("PIPELINE_DATA_DIR"):
        settings["datadir"] = os.environ["PIPELINE_DATA_DIR"]
    credentials = faust_credentials()
    if credentials is not None:
        settings["broker_credentials"] = credentials
    return settings


@lru_cache(maxsize=None)  # read per target delivery (ARNs); the environment is fixed per process
def account_id() -> str:
    """The AWS account this pipeline speaks for (envelopes, ARNs)."""
    return os.environ.get("PIPELINE_ACCOUNT_ID", "123456789012")


@lru_cache(maxsize=None)
def region() -> str:
    return os.environ.get("PIPELINE_REGION", "us-east-1")


@lru_cache(maxsize=None)
def cloudtrail_log_group() -> str:
    """The CloudWatch Logs group a trail delivers to (CloudTrail -> CloudWatch Logs)."""
    return os.environ.get("PIPELINE_CLOUDTRAIL_LOG_GROUP", "aws-cloudtrail-logs")
