from .inquiries import Inquiry, OutgoingEmail
from .places import Place, PlaceName
from .trials import (
    Allocation,
    Condition,
    FaqEntry,
    Language,
    Phase,
    RecruitmentStatus,
    Sex,
    Site,
    StudyType,
    Trial,
    age_in_days,
    age_range_label,
)

__all__ = [
    "Allocation",
    "Condition",
    "FaqEntry",
    "Inquiry",
    "Language",
    "OutgoingEmail",
    "Phase",
    "Place",
    "PlaceName",
    "RecruitmentStatus",
    "Sex",
    "Site",
    "StudyType",
    "Trial",
    "age_in_days",
    "age_range_label",
]
