"""The staff sign-in, with a limit on wrong passwords.

Failures are counted in the shared cache per (address, username), so one
person cannot guess a password, and per address, so one connection cannot
try a few passwords on many usernames. Keyed on the address as well as the
name: nobody can lock a coordinator out from elsewhere by typing their name.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trials.ratelimit import client_ip, limit_reached, rate_limited

# One address may fail on several usernames (a typo in the name) but not on many.
USERNAMES_PER_ADDRESS = 4


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-in attempts. Nothing was checked: "
            "wait %(minutes)d minutes and try again."
        ),
    }

    def _limits(self) -> list[dict]:
        address = client_ip(self.request) if self.request else "unknown"
        username = (self.cleaned_data.get("username") or "").casefold()
        window = settings.ADMIN_LOGIN_LOCKOUT_SECONDS
        limit = settings.ADMIN_LOGIN_FAILURE_LIMIT
        return [
            {
                "scope": "admin-login",
                "key": f"{address}\x1f{username}",
                "limit": limit,
                "window_seconds": window,
            },
            {
                "scope": "admin-login-address",
                "key": address,
                "limit": limit * USERNAMES_PER_ADDRESS,
                "window_seconds": window,
            },
        ]

    def clean(self):
        limits = self._limits()
        if any(limit_reached(**each) for each in limits):
            minutes = -(-settings.ADMIN_LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": minutes}
            )
        try:
            return super().clean()
        except ValidationError:
            for each in limits:
                rate_limited(**each)
            raise


admin.site.login_form = ThrottledAdminLoginForm
