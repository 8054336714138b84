from .inquiries import Inquiry, OutgoingEmail
from .notes import Note, ShareLink
from .operations import Heartbeat, ImportCheckpoint, ImportJob, RegistrySync, SitemapBlock
from .pages import TrialPage
from .places import Place, PlaceName
from .prescreen import PrescreenQuestion
from .subscriptions import Subscription, SubscriptionDelivery
from .teams import InquiryStatusChange, SiteClaim, SiteMembership, TeamLink, TeamSettings
from .terminology import (
    MeshDescriptor,
    MeshTreeNumber,
    TerminologySource,
    TerminologyTerm,
    TerminologyWord,
)
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
    with_condition_names,
    with_site_cities,
)
from .vocabulary import SearchTerm, SearchWord

__all__ = [
    "TrialPage",
    "InquiryStatusChange",
    "SiteClaim",
    "SiteMembership",
    "TeamLink",
    "TeamSettings",
    "Allocation",
    "Condition",
    "FaqEntry",
    "Heartbeat",
    "ImportCheckpoint",
    "ImportJob",
    "Inquiry",
    "Language",
    "MeshDescriptor",
    "MeshTreeNumber",
    "Note",
    "OutgoingEmail",
    "Phase",
    "Place",
    "PlaceName",
    "PrescreenQuestion",
    "RecruitmentStatus",
    "RegistrySync",
    "SearchTerm",
    "SearchWord",
    "Sex",
    "ShareLink",
    "SitemapBlock",
    "Site",
    "StudyType",
    "Subscription",
    "SubscriptionDelivery",
    "TerminologySource",
    "TerminologyTerm",
    "TerminologyWord",
    "Trial",
    "age_in_days",
    "with_condition_names",
    "with_site_cities",
]
