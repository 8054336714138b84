"""gunicorn reads this file from the working directory by default (the
Dockerfile's and docker-compose's /app): link tokens stay out of the access log."""

logger_class = "trialfinder.logfilters.GunicornLogger"
