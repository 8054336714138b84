"""ClinicalTrials.gov API v2 study import: reader, mapper and the import service."""

from .checkpoint import Checkpoint
from .service import after_import, import_studies
from .summary import ImportProgress, ImportSummary, RecordError

__all__ = [
    "Checkpoint",
    "ImportProgress",
    "ImportSummary",
    "RecordError",
    "after_import",
    "import_studies",
]
