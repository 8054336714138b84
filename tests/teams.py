"""Helpers of the study-team tests: the link in an email, a signed-in member."""

from __future__ import annotations

import re

from trials.models import OutgoingEmail

LINK = re.compile(r"https?://\S+/team/link/([^/\s]+)/")


def link_token(email: OutgoingEmail) -> str:
    """The token of the one-time link in an email, read from both bodies."""
    token = LINK.search(email.body_text).group(1)
    assert f"/team/link/{token}/" in email.body_html
    return token


def link_path(token: str) -> str:
    return f"/team/link/{token}/"
