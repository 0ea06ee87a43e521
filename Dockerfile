# Production image. One image serves three roles (docker-compose.yml): the web application
# under gunicorn (the default command), the Celery worker and Celery beat.
# See docs/operations.md for the environment it expects.
FROM python:3.11-slim

# PYTHONPATH: import the project from /app rather than from site-packages, because settings
# find templates/, static/ and locale/ beside the package (BASE_DIR). `pip install .` still
# brings in the dependencies pinned in pyproject.toml.
# STATIC_ROOT: collected files live outside var/, which is for run-time state only.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# An explicit list rather than `COPY . .`: a developer's .venv, var/ (SQLite file, broker
# folders) or .env must never end up in the image. A new app needs a line here.
COPY pyproject.toml README.md manage.py ./
COPY reclass_volunteers/ reclass_volunteers/
COPY volunteers/ volunteers/
COPY clients/ clients/
COPY matching/ matching/
COPY supervision/ supervision/
COPY templates/ templates/
COPY static/ static/
# The Dutch catalogue, compiled (.mo) as committed by `make messages`.
COPY locale/ locale/

RUN pip install . \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q reclass_volunteers volunteers clients matching supervision

# Settings refuse to load in production mode without SECRET_KEY, DATABASE_URL, EMAIL_URL,
# CELERY_BROKER_URL and ALLOWED_HOSTS, so this step gets throwaway values (nothing connects). The memory:// broker only keeps settings from
# creating the quick start's filesystem-broker folders; nothing connects to it.
RUN DJANGO_DEBUG=false \
    SECRET_KEY=collectstatic-only-not-used-at-run-time \
    DATABASE_URL=postgres://collectstatic@localhost/none \
    CELERY_BROKER_URL=memory:// \
    EMAIL_URL=consolemail:// \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p var/private-media \
    && chown -R app:app var

USER 10001:10001

EXPOSE 8000

# No access log: URLs can carry invitation and password-reset tokens (the reverse proxy has
# its own log, configure it with the same care). Web concurrency: override the command.
CMD ["gunicorn", "reclass_volunteers.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", "--timeout", "30", "--graceful-timeout", "30"]
