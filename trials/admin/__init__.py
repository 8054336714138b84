"""Staff admin, one module per area."""

from . import inquiries, subscriptions, trials  # noqa: F401
