"""The WSGI application gunicorn serves (see gunicorn.conf.py and `manage.py start`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

application = get_wsgi_application()
