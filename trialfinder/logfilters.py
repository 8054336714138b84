"""Keep link tokens out of every log.

Coordinator, subscription and note-sharing links carry their credential in
the URL path (/inquiry/<token>/ opens a patient's details for
INQUIRY_LINK_MAX_AGE_DAYS). Links already sent in emails must keep working,
so the tokens stay in the paths and the logs get the path with the token
replaced: gunicorn's access log through `GunicornLogger` (gunicorn.conf.py),
Django's request logging and anything else through `RedactTokens` (LOGGING
in settings.py). The query string, the Referer and a redirect's Location
carry the same paths, so every logged string goes through `redact_tokens`.
"""

from __future__ import annotations

import logging
import re

from gunicorn import glogging

# Every URL with a token in its path (trials/urls.py); tests/test_logging.py
# fails when a new one is missing here. The language prefix may precede them.
TOKEN_PATH = re.compile(
    r"(/(?:inquiry|shared|notifications/(?:confirm|manage|unsubscribe))/)[^/\s?#\"'<>]+"
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
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with the tokens taken out of every access-log atom."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact_tokens(v) if isinstance(v, str) else v for k, v in atoms.items()}
