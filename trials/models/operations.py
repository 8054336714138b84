"""What the operators' health checks read: when the worker and beat last ran."""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class StudyCounts(models.Model):
    """What a run of the importer did, kept on the run: a registry sync or an
    upload in the admin. `count_in` adds one import's summary."""

    MAX_ERRORS_KEPT = 200

    created = models.PositiveIntegerField(_("studies created"), default=0)
    updated = models.PositiveIntegerField(_("studies updated"), default=0)
    unchanged = models.PositiveIntegerField(_("studies unchanged"), default=0)
    failed = models.PositiveIntegerField(_("studies failed"), default=0)
    # Each record not imported: source, position, field, message.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True

    def count_in(self, summary) -> None:
        """Add an ImportSummary (trials/importers) to the counts and errors."""
        self.created += summary.created
        self.updated += summary.updated
        self.unchanged += summary.unchanged
        self.failed += summary.failed
        room = max(self.MAX_ERRORS_KEPT - len(self.errors), 0)
        self.errors = [*self.errors, *(error._asdict() for error in summary.errors[:room])]


class RegistrySync(StudyCounts):
    """One run of following the registry (trials/registry_sync.py).

    Written after every page, so staff see a run as it goes and an
    interrupted run is resumed from `page_token`, the registry's own cursor.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed (resumed by the next run)")

    started_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    since = models.DateField(
        _("changed since"), null=True, blank=True, help_text=_("Empty: the whole registry.")
    )
    page_token = models.CharField(_("next page"), max_length=500, blank=True)
    resumed_from = models.ForeignKey(
        "self", verbose_name=_("resumed from"), null=True, blank=True, on_delete=models.SET_NULL
    )
    total = models.PositiveIntegerField(_("studies to read"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)

    class Meta:
        verbose_name = _("registry sync")
        verbose_name_plural = _("registry syncs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ImportJob(StudyCounts):
    """Study files staff uploaded in the admin, imported by a worker
    (trials/import_jobs.py); written as it goes, so the page shows progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Importing")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Stopped by an error")

    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    files = models.JSONField(_("files"), default=list)
    studies = models.PositiveIntegerField(_("studies read"), default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    bytes_total = models.PositiveBigIntegerField(null=True, blank=True)
    absent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def share_read(self) -> int | None:
        """How much of the files was read, in percent, when their size is known."""
        if not self.bytes_total:
            return None
        return min(100, round(100 * self.bytes_read / self.bytes_total))


class ImportCheckpoint(models.Model):
    """Where an interrupted import of a set of files stopped
    (trials/importers/checkpoint.py): kept in the database it imports into,
    so a fresh or restored database never skips what it does not hold."""

    key = models.CharField(_("files"), max_length=64, primary_key=True)
    files = models.JSONField(_("files"), default=list)
    mark = models.JSONField(_("last record written"), default=dict)
    counts = models.JSONField(_("counts so far"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("import checkpoint")
        verbose_name_plural = _("import checkpoints")

    def __str__(self) -> str:
        return self.key


_LAST_SYNC_DAY: dict[str, object] = {"day": None, "read_at": float("-inf")}
LAST_SYNC_READ_SECONDS = 300


def last_sync_day() -> datetime.date | None:
    """The day the last complete registry sync finished, read at most every
    five minutes per process (every trial page shows it)."""
    now = time.monotonic()
    if now - _LAST_SYNC_DAY["read_at"] > LAST_SYNC_READ_SECONDS:
        finished = (
            RegistrySync.objects.filter(status=RegistrySync.Status.SUCCEEDED)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        _LAST_SYNC_DAY.update(day=timezone.localdate(finished) if finished else None, read_at=now)
    return _LAST_SYNC_DAY["day"]


def registry_data_as_of(*, updated_at: datetime.datetime, synced: datetime.date | None):
    """The day a trial's page last matched the registry: its own last write
    (an import or a sync that changed it), or the last complete sync, which
    found it unchanged."""
    day = timezone.localdate(updated_at)
    return max(day, synced) if synced else day
