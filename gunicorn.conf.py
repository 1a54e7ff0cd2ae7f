"""Gunicorn settings for Beacon's web process (`manage.py start`, the Dockerfile).

Threads rather than more processes: a status page's requests mostly wait on the database or
serve a cached snapshot, and each process holds its own database connections.
"""

import os
from pathlib import Path

wsgi_app = "statuspage.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak never takes the page down; not so often that
# a traffic spike (thousands of requests a second) keeps them restarting (bench/read).
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "1") != "0" else None
errorlog = "-"
# Behind a reverse proxy, trust its X-Forwarded-* headers (set to the proxy's address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Worker heartbeats in memory rather than on a disk that may stall (as in containers).
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"
control_socket_disable = True  # one Beacon per machine may not be the only gunicorn
