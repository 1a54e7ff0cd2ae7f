"""Test settings: the real PostgreSQL and Redis on this machine unless the environment says else."""

import os
import sys
from pathlib import Path

# Beacon's own packages first on the path: aiosmtpd, a test dependency, installs a top-level
# module named `public`, as Beacon's public app is named, and a tool that appends the project to
# the path (django-stubs' mypy plugin) would import that one instead. (Importing the Celery app
# with Django used to put the project first: Celery's Django fixup does; it is made on first use
# now, statuspage/broker.py.)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/beacon")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "beacon-tests-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("BEACON_VAR_DIR", "/tmp/beacon-test-var")
# The test process shares two cores with workers, web servers and throwaway databases it starts
# (and CI with whatever else runs): a new PostgreSQL backend may take more than production's 2 s
# to start there. The processes the tests start get production's bounds
# (tests/support/processes.py).
os.environ.setdefault("DB_CONNECT_TIMEOUT", "15")
# Nor is a query bounded here, though a test imports the WSGI module that bounds them.
os.environ.setdefault("DB_QUERY_TIMEOUT", "0")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
# WhiteNoise warns about a missing STATIC_ROOT; tests serve static files from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
