"""Staff admin, one module per area."""

from . import inquiries, login, subscriptions, trials, vocabulary  # noqa: F401
