"""Staff admin, one module per area."""

from . import (  # noqa: F401
    django_words,
    inquiries,
    login,
    operations,
    sites,
    subscriptions,
    teams,
    trials,
    vocabulary,
)
