"""gunicorn reads this file from the working directory by default (the
Dockerfile's and docker-compose's /app).

Link tokens never reach its logs (trialfinder/logfilters.py), and its access
log leaves out what deploy/nginx.conf leaves out: the query string (what
patients searched for), the Referer (a previous page's query) and the
browser's user agent.
"""

logger_class = "trialfinder.logfilters.GunicornLogger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
