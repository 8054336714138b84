"""Staff admin, one module per area."""

from . import inquiries, login, operations, subscriptions, trials, vocabulary  # noqa: F401
