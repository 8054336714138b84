"""Staff admin, one module per area."""

from . import inquiries, login, operations, subscriptions, teams, trials, vocabulary  # noqa: F401
