"""Keep link tokens out of every log.

Coordinator, subscription and note-sharing links carry their credential in
the URL path (/inquiry/<token>/ opens a patient's details for
INQUIRY_LINK_MAX_AGE_DAYS). Links already sent in emails must keep working,
so the tokens stay in the paths and the logs get the path with the token
replaced by one filter, `RedactTokens`: on gunicorn's access and error logs
through `GunicornLogger` (gunicorn.conf.py), on Django's request logging and
everything else through LOGGING in settings.py. It rewrites whole messages,
so the query string, the Referer and a redirect's Location are covered too.
"""

from __future__ import annotations

import logging
import re

from gunicorn import glogging

# Every URL with a token in its path (trials/urls.py); tests/test_logging.py
# fails when a new one is missing here. The language prefix may precede them.
TOKEN_PATH = re.compile(
    r"(/(?:inquiry|shared|team/link|notifications/(?:confirm|manage|unsubscribe))/)[^/\s?#\"'<>]+"
)
REDACTED = "[token]"


def redact_tokens(text: str) -> str:
    return TOKEN_PATH.sub(rf"\g<1>{REDACTED}", text)


class RedactTokens(logging.Filter):
    """Rewrite the record's message with tokens replaced; never drops a record.

    On a logger it runs before any handler (and before pytest's capture); on
    a handler it covers records propagated from every other logger.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format is the handler's to report, not ours
            return True
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """`text` on one line: every control character written as its escape
    (an encoded CR LF in a path becomes \\r\\n, not a forged log line)."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with the same filter on its access and error logs,
    and what a client sent escaped in its access log."""

    def atoms(self, resp, req, environ, request_time):
        return {
            key: escape_controls(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactTokens) for f in logger.filters):
                logger.addFilter(RedactTokens())
