"""What an import did: counts, each failed record, the studies absent from the input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_ERRORS_KEPT = 1000


class RecordError(NamedTuple):
    """Why one record was not imported, and where it is."""

    source: str
    position: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}, {self.position}"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class ImportProgress:
    studies: int
    bytes_read: int
    bytes_total: int | None


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    absent: int = 0
    absent_examples: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    # Went on where an earlier, interrupted run of the same files stopped.
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def fail(self, source: str, position: str, field: str, message: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RecordError(source, position, field, message))

    def add(self, other: ImportSummary) -> None:
        """Count in one batch's result."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        for error in other.errors:
            self.fail(*error)

    def counts_line(self) -> str:
        return _(
            "created %(created)d / updated %(updated)d / unchanged %(unchanged)d"
            " / failed %(failed)d / absent %(absent)d"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "absent": self.absent,
        }

    def error_lines(self) -> list[str]:
        lines = [str(error) for error in self.errors]
        if self.failed > len(self.errors):
            more = self.failed - len(self.errors)
            lines.append(_("… and %(count)d more errors") % {"count": more})
        return lines

    def absent_line(self) -> str:
        if not self.absent:
            return ""
        line = ngettext(
            "%(count)d known study was not in the input (kept, not deleted): %(ids)s",
            "%(count)d known studies were not in the input (kept, not deleted): %(ids)s",
            self.absent,
        ) % {"count": self.absent, "ids": ", ".join(self.absent_examples)}
        return line + (" …" if self.absent > len(self.absent_examples) else "")

    def resumed_line(self) -> str:
        if not self.resumed:
            return ""
        return _(
            "Resumed where an interrupted import of the same files stopped: the counts include"
            " that run's; the errors listed are this run's; studies absent from the input are"
            " not counted."
        )

    def lines(self) -> list[str]:
        """What to show an operator: the counts, each error, the absent studies."""
        lines = [self.resumed_line(), self.counts_line(), *self.error_lines(), self.absent_line()]
        return [line for line in lines if line]
