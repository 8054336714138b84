"""Staff admin, one module per area."""

from . import inquiries, subscriptions, trials, vocabulary  # noqa: F401
