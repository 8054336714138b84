"""Staff admin, one module per area."""

from . import inquiries, trials  # noqa: F401
