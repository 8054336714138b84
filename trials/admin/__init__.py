"""Staff admin, one module per area."""

from . import inquiries, login, subscriptions, trials  # noqa: F401
