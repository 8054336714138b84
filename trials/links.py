"""The errors of the signed links we email (the study team's inquiry link,
the subscriber's confirm, manage and unsubscribe links): one family, so every
page that opens a link tells a patient or a study team the same two things."""


class LinkInvalid(Exception):
    """A link that was altered, made up or no longer applies."""


class LinkExpired(LinkInvalid):
    """A genuine link that is too old."""
