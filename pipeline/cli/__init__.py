"""The `pipeline` command.

Each module in this package that defines ``register(subparsers)`` adds its subcommands; a
subcommand sets ``handler=callable(args) -> int``. Modules import engines and Kafka clients inside
their handlers, so offline commands such as ``test-metric-filter`` start without faust or kafka.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from pipeline.errors import PipelineError

EXIT_OK = 0
EXIT_ERROR = 1  # the request was refused (invalid pattern, invalid definition, ...)
EXIT_USAGE = 2  # argparse's own code for bad arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline",
        description="CloudWatch Logs, CloudWatch Alarms, EventBridge and AWS Config on Kafka.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except PipelineError as error:
        print(f"An error occurred ({type(error).__name__}): {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as error:  # unreadable files, bad JSON arguments
        print(f"An error occurred ({type(error).__name__}): {error}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:
        if type(error).__module__.split(".")[0] not in ("kafka", "aiokafka"):
            raise  # a bug: keep the traceback
        from pipeline.kafka_settings import bootstrap_servers

        print(f"An error occurred ({type(error).__name__}): {error} "
              f"(KAFKA_BOOTSTRAP_SERVERS={bootstrap_servers()}; is the broker running? "
              f"make broker-start starts a local one)", file=sys.stderr)
        return EXIT_ERROR
