"""The WSGI application the web server serves (`python -m statuspage.web`, granian).

Stored public documents are answered by the snapshot lane before Django runs
(snapshots/lane.py); the health checks next, then everything else goes to Django, with a limit
on how many threads may be inside it (statuspage/capacity.py) and a bound on every PostgreSQL
round trip (statuspage/db/base.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

django_application = get_wsgi_application()

from snapshots.lane import SnapshotLane  # noqa: E402  (needs the settings configured above)
from statuspage.capacity import ReservedCapacity  # noqa: E402
from statuspage.db.bounds import bound_queries  # noqa: E402

bound_queries()
application = SnapshotLane(ReservedCapacity(django_application))
