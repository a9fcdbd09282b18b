"""Monitoring pipeline: CloudWatch Logs metric filters, alarms, EventBridge and AWS Config on Kafka.

Importing this package starts nothing and imports neither faust nor kafka.
"""

__version__ = "0.1.0"
