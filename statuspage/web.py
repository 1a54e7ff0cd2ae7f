"""Beacon's web process: granian serving `statuspage.wsgi`, configured from the environment.

    python -m statuspage.web [--bind HOST:PORT]

Used by `manage.py start`, the Dockerfile and docker-compose.yml. granian was chosen by
measurement (docs/performance.md): its HTTP layer is written in Rust, so a request that the
snapshot lane answers costs little more than the Python it runs, where gunicorn's own Python
HTTP handling costs more than the lane.

Worker processes serve requests on threads: a status page's requests mostly serve a stored
snapshot or wait on the database, and each process holds its own database connections. A
worker that dies is started again; workers are replaced now and then (WEB_WORKER_LIFETIME)
and when one grows past WEB_WORKER_MAX_RSS, so a slow leak never takes the page down.

The access log is granian's usual line, through a filter that masks operator API keys
(hooks.redact): the alert hooks take one in their URL, and a log is read by more people than
hold the keys. granian's --access-log-fmt can leave out the query string but not a key in the
path, so the filter is given in a --log-config file, written to the temporary directory.
"""

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from statuspage.files import write_atomic

WSGI_APP = "statuspage.wsgi:application"


class ConfigError(Exception):
    pass


def _int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not “{raw}”.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}.")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, not “{raw}”.")


def _split_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"“{bind}” is not an address to listen on, such as 127.0.0.1:8000.")
    return host.strip("[]"), int(port)


# granian's own logging configuration (granian.log.LOGGING_CONFIG), with the key filter on its
# handlers; --log-config replaces each of these sections whole.
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_keys": {"()": "hooks.redact.RedactKeys"}},
    "formatters": {
        "generic": {
            "()": "logging.Formatter",
            "fmt": "[%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {
            "()": "logging.Formatter",
            "fmt": "%(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
    },
    "handlers": {
        "console": {
            "formatter": "generic",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["redact_keys"],
        },
        "access": {
            "formatter": "access",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["redact_keys"],
        },
    },
    "loggers": {
        "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}


def log_config_file() -> str:
    """LOG_CONFIG as a file granian can read: named by its content, so every start reuses the
    same one, and written by rename, so a start never reads half a file."""
    data = json.dumps(LOG_CONFIG, indent=1, sort_keys=True).encode()
    name = f"beacon-granian-log-{hashlib.sha256(data).hexdigest()[:16]}.json"
    path = Path(tempfile.gettempdir()) / name
    write_atomic(path, data, prefix=".beacon-granian-log-")
    return str(path)


def command(bind: str | None = None) -> list[str]:
    """The granian command line for this environment."""
    if bind is None:
        bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{_int('PORT', 8000, 1)}"
    host, port = _split_bind(bind)
    args = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        # Embedded mode (no DATABASE_URL) is for one small machine: one process, with threads.
        str(_int("WEB_CONCURRENCY", 2 if os.environ.get("DATABASE_URL") else 1, 1)),
        "--blocking-threads",
        str(_int("WEB_THREADS", 12, 1)),
        "--backlog",
        "2048",
        "--http",
        "1",
        "--respawn-failed-workers",
        "--workers-lifetime",
        str(_int("WEB_WORKER_LIFETIME", 86_400, 60)),
        "--workers-kill-timeout",
        "20",
        "--no-ws",
    ]
    max_rss = _int("WEB_WORKER_MAX_RSS", 0, 0)
    if max_rss:
        args += ["--workers-max-rss", str(max_rss)]
    args.append("--access-log" if _bool("WEB_ACCESS_LOG", True) else "--no-access-log")
    args += ["--log-config", log_config_file()]
    return [*args, WSGI_APP]


def main(argv: list[str]) -> None:
    bind = None
    if argv[:1] == ["--bind"] and len(argv) == 2:
        bind = argv[1]
    elif argv:
        sys.exit("usage: python -m statuspage.web [--bind HOST:PORT]")
    try:
        args = command(bind)
    except ConfigError as error:
        sys.exit(f"Beacon's web server cannot start: {error}")
    os.execv(args[0], args)


if __name__ == "__main__":
    main(sys.argv[1:])
