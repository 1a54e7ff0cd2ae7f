# One image for Beacon's web server, Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON=/usr/local/bin/python \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    BEACON_VAR_DIR=/var/lib/beacon \
    STATIC_ROOT=/app/staticfiles \
    WEB_BIND=0.0.0.0:8000

RUN pip install --no-cache-dir uv

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Static files are part of the image; the values below exist only for this build step.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build@localhost/build \
        python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --uid 1000 --home-dir /app beacon \
    && mkdir -p /var/lib/beacon/public \
    && chown -R beacon /var/lib/beacon

USER beacon
EXPOSE 8000
CMD ["python", "-m", "statuspage.web"]
