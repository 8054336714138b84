"""gunicorn reads this file from the working directory by default (the
Dockerfile's and docker-compose's /app).

Workers: the sync worker, one request at a time per process. Behind nginx,
which buffers whole requests and responses (deploy/nginx.conf), a slow client
never holds a worker, and every request of ours is short work on the
database: the usual choice for such a site in gunicorn's own guidance. How
many: WEB_CONCURRENCY, default twice the cores plus one.

Timeout: a worker silent for 30 s is killed and replaced. No page takes more
than a fraction of a second (bench/README.md); 30 s leaves room for a slow
admin action without letting a stuck request hold a worker for ever.
graceful_timeout lets requests in flight finish on a restart or deploy.

Link tokens never reach its logs (trialfinder/logfilters.py), control
characters in a request (an encoded CR LF in the path) are escaped so no
client can write a line of its own into the log, and the access log leaves
out what deploy/nginx.conf leaves out: the query string (what patients
searched for), the Referer (a previous page's query) and the browser's user
agent.
"""

import multiprocessing
import os

worker_class = "sync"
workers = int(os.getenv("WEB_CONCURRENCY", "") or multiprocessing.cpu_count() * 2 + 1)
timeout = 30
graceful_timeout = 30
logger_class = "trialfinder.logfilters.GunicornLogger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def child_exit(server, worker):
    # With PROMETHEUS_MULTIPROC_DIR, a worker's counts outlive it in the
    # folder; its live gauges must not (trialfinder/observability.py).
    if os.getenv("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
