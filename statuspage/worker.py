"""`python -m statuspage.worker [OPTIONS]`: `celery -A statuspage worker [OPTIONS]`, lighter.

`manage.py start` runs the Celery worker through this module. It is Celery's own `worker`
command (celery.bin.worker: the same options, defaults and start), given Beacon's app, without
the rest of Celery's command line: `celery` itself imports every subcommand, and `celery amqp`'s
shell brings prompt_toolkit and click-repl with it, about 10 MB of a worker that never uses them
(docs/performance.md, "Footprint of embedded mode").

`--skip-checks` is `celery --skip-checks`: no Django system checks when the worker starts. `start`
passes it, having just run them itself; they are the only thing in the worker that loads Pillow
(the image field's check), some 6 MB more.
"""

import os
import sys

SKIP_CHECKS = "--skip-checks"


def main(argv: list[str]) -> None:
    if SKIP_CHECKS in argv:
        argv = [a for a in argv if a != SKIP_CHECKS]
        # What `celery --skip-checks` sets; read by Celery's Django fixup when the worker starts.
        os.environ["CELERY_SKIP_CHECKS"] = "true"
    # Imported here, after the option above: statuspage.celery sets up the app on import.
    from celery.bin.base import CLIContext
    from celery.bin.worker import worker

    from statuspage.celery import app

    # What `celery`'s group does before it runs a subcommand: the app's own worker options
    # (--beat-thread), and the context object the command reads the app from.
    worker.params.extend(app.user_options.get("worker", []))
    context = CLIContext(app=app, no_color=bool(os.environ.get("NO_COLOR")), workdir=None)
    worker.main(
        args=argv, prog_name="statuspage.worker", obj=context, auto_envvar_prefix="CELERY_WORKER"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
