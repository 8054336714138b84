FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/app/var

WORKDIR /app

RUN useradd --create-home --uid 1000 trialfinder \
    && apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# The locked, hash-checked dependencies (make lock); the site runs from the
# source copied below, as `make run` does (CI checks the wheel separately).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
# collectstatic reads the settings, which refuse to start without a real
# secret and host list; these build-time values exist only in this step.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py compilemessages \
    && SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R trialfinder /app/var

USER trialfinder
EXPOSE 8000
CMD ["gunicorn", "trialfinder.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
