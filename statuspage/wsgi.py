"""The WSGI application gunicorn serves (see gunicorn.conf.py and `manage.py start`).

Stored public documents are answered by the snapshot lane before Django runs
(snapshots/lane.py); everything else goes to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

django_application = get_wsgi_application()

from snapshots.lane import SnapshotLane  # noqa: E402  (needs the settings configured above)

application = SnapshotLane(django_application)
