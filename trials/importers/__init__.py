"""ClinicalTrials.gov API v2 study import: reader, mapper and the import service."""

from .checkpoint import Checkpoint
from .mapper import InvalidRecord, MappedStudy, study_map
from .reader import BadRecord, read_source
from .service import after_import, import_studies
from .summary import ImportProgress, ImportSummary, RecordError

__all__ = [
    "BadRecord",
    "Checkpoint",
    "ImportProgress",
    "ImportSummary",
    "InvalidRecord",
    "MappedStudy",
    "RecordError",
    "after_import",
    "import_studies",
    "read_source",
    "study_map",
]
