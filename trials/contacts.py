"""The registry's contacts as they are listed, and telling a person from a placeholder.

ClinicalTrials.gov records list contacts in three places: the trial's central
and backup contacts, its overall officials, and each location's contacts.
The importer keeps them word for word (see trials/importers/mapper.py); many
are placeholders ("Site Public Contact", "Site 007-556-A", "Study
Coordinator"), which pages show as listed but never greet or draw as a person.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Roles in the registry's own words (ContactRole, OfficialRole).
CENTRAL_CONTACT = "CONTACT"
BACKUP_CONTACT = "BACKUP"
PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR"
SUB_INVESTIGATOR = "SUB_INVESTIGATOR"
STUDY_CHAIR = "STUDY_CHAIR"
STUDY_DIRECTOR = "STUDY_DIRECTOR"

# What each role is called on a page, in the reader's language.
ROLE_LABELS = {
    CENTRAL_CONTACT: pgettext_lazy("a contact's role", "Contact"),
    BACKUP_CONTACT: _("Backup contact"),
    PRINCIPAL_INVESTIGATOR: _("Principal investigator"),
    SUB_INVESTIGATOR: _("Sub-investigator"),
    STUDY_CHAIR: _("Study chair"),
    STUDY_DIRECTOR: _("Study director"),
}

PLACEHOLDER_RE = re.compile(
    r"""^(
        (site|central|study|trial|public|clinical\s+trials?|research|recruitment|patient)
            (\s+(public|study|trial|site|research|recruitment|information))*
            \s+(contact|coordinator|team|office|desk|nurse|manager|information|center|centre|line)
        | (principal\s+|sub-?)?investigator
        | contact(\s+(person|us))?
        | site\s+[\w\-./#]*\d[\w\-./#]*      # "Site 007-556-A", "Site 0042"
        | (for\s+)?(more\s+)?information.*
        | call\s+.*
        | .*\b(medical\s+information|call\s+center|call\s+centre|hotline)\b.*
        | .*\b(pharmaceuticals?|pharma|inc|ltd|llc|gmbh|corporation|company|clinical\s+trials?)\.?$
        # A numbered or generic site: "Research Site", "Novartis Investigative
        # Site", "Pfizer Investigational Site", "Local Institution - 0042".
        | .*\b(research|investigative|investigational|study|clinical|trial)\s+sites?\b.*
        | (local\s+)?institution(\s*[-#:]?\s*[\w\-]*\d[\w\-]*)?
        | reference\s+study\b.*                # "Reference Study ID Number: WO12345 …"
        | .*\b(toll[\s-]?free|transparency)\b.*
        | contact\s+for\b.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_placeholder(name: str) -> bool:
    """True for a registry contact name that names a role or a desk, not a person:
    "Site Public Contact", "Site 007-556-A", "Study Coordinator", "" ."""
    name = " ".join((name or "").split()).strip(" .,:;")
    if not any(ch.isalpha() for ch in name):
        return True
    return bool(PLACEHOLDER_RE.match(name))


def tel(number: str) -> str:
    """For a tel: link: '+15550100,204' from '+1 555 0100 ext. 204' (a comma
    waits, then dials the extension)."""
    number, _, extension = number.partition(" ext. ")
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    extension = "".join(ch for ch in extension if ch.isdigit())
    return f"{digits},{extension}" if extension else digits


def phone_with_extension(contact: dict) -> str:
    """'+1 555 0100 ext. 12', or the phone alone, or ""."""
    phone, extension = contact.get("phone", ""), contact.get("phone_ext", "")
    return f"{phone} ext. {extension}" if phone and extension else phone


def role_label(role: str) -> str:
    """The registry's role code in the reader's words ("PRINCIPAL_INVESTIGATOR"
    → "Principal investigator", 主要研究者); an unknown code as listed."""
    label = ROLE_LABELS.get((role or "").strip().upper())
    return str(label) if label else (role or "")
