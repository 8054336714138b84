"""Staff admin, one module per area."""

from . import inquiries, login, subscriptions, teams, trials, vocabulary  # noqa: F401
