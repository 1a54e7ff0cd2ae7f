"""The ASGI application, for servers such as uvicorn; Beacon runs on granian (WSGI) by default."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

application = get_asgi_application()
