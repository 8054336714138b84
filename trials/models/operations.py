"""What the operators' health checks read: when the worker and beat last ran."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background process showed it was alive (trials/heartbeat.py)."""

    name = models.CharField(_("process"), max_length=32, primary_key=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class SitemapBlock(models.Model):
    """One page of the sitemap's trials: a block of TRIALS_PER_SITEMAP primary
    keys, how many published trials it holds and their newest registry update.

    The sitemap index is read from these few rows (trials/seo.py), never
    from a scan of every trial; imports and beat refresh them.
    """

    number = models.PositiveIntegerField(_("number"), primary_key=True)
    trials = models.PositiveIntegerField(_("published trials"))
    lastmod = models.DateField(_("last updated"), null=True)

    class Meta:
        verbose_name = _("sitemap page")
        verbose_name_plural = _("sitemap pages")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"sitemap-trials-{self.number}"
