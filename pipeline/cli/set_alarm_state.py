"""set-alarm-state (SetAlarmState): force a metric alarm's state, for testing its actions.

The request is checked here (pipeline.alarms.set_state) and sent to the worker that owns the
alarm's state: for a metric alarm a record keyed ``set-alarm-state`` on the alarm-ticks partition
of the alarm's metric (for a metric math alarm, on the alarm-math-inputs partition of the alarm's
name), for a composite alarm a ``set-state`` input on composite-inputs keyed by
the composite. That worker writes the new state and publishes the transition (state change,
history, actions, bus event). A metric alarm's next evaluation compares the data with the forced
state, so it returns to its actual state then; a composite keeps the forced state until a child
alarm changes state or its definition changes (AWS). The command answers once the record is on
the topic, like AWS answers before the actions run.
"""

from __future__ import annotations

import argparse
import json
import sys

SET_STATE_KEY = b"set-alarm-state"


def _fail(code: str, message: str) -> int:
    print(f"An error occurred ({code}) when calling the SetAlarmState operation: {message}", file=sys.stderr)
    return 1


def set_alarm_state(args: argparse.Namespace) -> int:
    from kafka import KafkaProducer

    from pipeline import topics
    from pipeline.admin import topic_exists
    from pipeline.alarms import Alarm
    from pipeline.alarms.set_state import SetAlarmStateError, check_set_alarm_state
    from pipeline.cli.cloudwatch import current_definitions
    from pipeline.kafka_settings import kafka_python_config
    from pipeline.worker.alarm_runtime import partition_of

    try:
        request = check_set_alarm_state(args.alarm_name, args.state_value, args.state_reason, args.state_reason_data)
    except SetAlarmStateError as error:
        return _fail(error.aws_code, str(error))
    definitions = current_definitions(["MetricAlarm", "CompositeAlarm"])
    metric_alarm = definitions.get(f"MetricAlarm/{request.alarm_name}")
    alarm = Alarm.from_normalised(metric_alarm["body"]) if metric_alarm is not None else None
    if alarm is not None and alarm.is_math_alarm:  # to the partition of the alarm, whose worker keeps its state
        topic, key = f"{topics.prefix()}alarm-math-inputs", SET_STATE_KEY
        partition = partition_of(alarm.name)
        value = request.to_dict()
    elif alarm is not None:  # to the partition of the alarm's metric, whose worker keeps its state
        topic, key = f"{topics.prefix()}alarm-ticks", SET_STATE_KEY
        partition = partition_of(alarm.metric_key)
        value = request.to_dict()
    elif f"CompositeAlarm/{request.alarm_name}" in definitions:  # keyed by the composite, like its inputs
        topic, key = f"{topics.prefix()}composite-inputs", request.alarm_name.encode()
        partition = None
        value = {"kind": "set-state", "request": request.to_dict()}
    else:
        return _fail("ResourceNotFound", f"Alarm {request.alarm_name} not found")
    if not topic_exists(topic):
        return _fail("ResourceNotFound", f"no worker has run yet ({topic} does not exist): start `pipeline worker`")
    producer = KafkaProducer(**kafka_python_config())
    try:
        producer.send(topic, key=key, value=json.dumps(value).encode(), partition=partition).get(timeout=30)
    finally:
        producer.close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("set-alarm-state", help="force an alarm's state to test its actions "
                                                           "(SetAlarmState)")
    parser.add_argument("--alarm-name", required=True)
    parser.add_argument("--state-value", required=True, help="OK, ALARM or INSUFFICIENT_DATA")
    parser.add_argument("--state-reason", required=True)
    parser.add_argument("--state-reason-data", help="a JSON object (text)")
    parser.set_defaults(handler=set_alarm_state)
