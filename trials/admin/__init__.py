"""Staff admin, one module per area."""

from . import inquiries, login, sites, subscriptions, trials, vocabulary  # noqa: F401
