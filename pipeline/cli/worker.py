"""`pipeline worker` and `pipeline create-topics`."""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    worker = subparsers.add_parser("worker", help="run a Faust worker (same as faust -A pipeline.worker.app worker)")
    worker.add_argument("-l", "--loglevel", default="info")
    worker.add_argument("--no-create-topics", action="store_true",
                        help="do not create missing catalog topics before starting")
    worker.set_defaults(handler=run_worker)

    create = subparsers.add_parser("create-topics", help="create the catalog's topics if missing")
    create.add_argument("extra", nargs="*", help="more topics to create (e.g. target topics)")
    create.set_defaults(handler=create_topics)


def create_topics(args) -> int:
    from pipeline.admin import ensure_topics

    created = ensure_topics(args.extra)
    print("created: " + (", ".join(created) if created else "nothing (all topics exist)"))
    return 0


def run_worker(args) -> int:
    if not args.no_create_topics:
        from pipeline.admin import ensure_topics

        ensure_topics()
    from pipeline.worker.app import app
    from pipeline.worker.collector import tune_collector

    import os

    tune_collector()

    web_port = os.environ.get("PIPELINE_WEB_PORT")
    # Faust's worker command starts its web server unless told not to, whatever the app says
    web = ["--web-port", web_port] if web_port else ["--without-web"]
    sys.argv = ["pipeline", "worker", "-l", args.loglevel, *web]
    app.main()
    return 0
