"""A trial's page, its parts rendered once per trial update and language."""

from __future__ import annotations

from django.db import models


class TrialPageQuerySet(models.QuerySet):
    def current(self, version: str) -> TrialPageQuerySet:
        """Parts rendered by this release's templates and code for the trial as it is now."""
        return self.filter(version=version, trial_updated_at=models.F("trial__updated_at"))


class TrialPage(models.Model):
    """The parts of a trial's page that are the same for every visitor, in one language.

    Rendered when the trial is written (trials.trial_pages), or at the first
    request after it changed; a part rendered by other templates or code
    (`version`) or for an older state of the trial (`trial_updated_at`) is never
    shown, and is rendered again."""

    trial = models.ForeignKey("Trial", on_delete=models.CASCADE, related_name="pages")
    language = models.CharField(max_length=16)
    version = models.CharField(max_length=32)
    trial_updated_at = models.DateTimeField()
    # {"part[:variant]": "<html>"}, the parts named in templates/trials/detail.html.
    parts = models.JSONField(default=dict)
    # The card of the results lists (templates/includes/trial_card.html), apart
    # from the other parts: a results page reads twenty cards, not twenty
    # whole pages (tens of kilobytes each).
    # A default in the database too: the release before this column stores
    # its pages without it while both run.
    card = models.TextField(blank=True, default="", db_default="")
    rendered_at = models.DateTimeField(auto_now=True)

    objects = TrialPageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trial", "language"], name="trial_page_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.trial_id} ({self.language})"
