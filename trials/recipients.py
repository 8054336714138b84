"""Who receives a patient's message: the referral chain, one rule.

A message goes to the site routing chooses (the nearest recruiting site, the
one the patient chose, or the primary contact: trials/routing.py), skipping
any site whose study team is not taking messages now. For that site the
first of these that exists receives it:

(a) the study team's own addresses, when a study-team account holds the site
    (trials/teams.py);
(b) the site's own contact address in the registry (Site.contact_email);
(c) the trial's central contact, then its backup contact (Trial.central_contacts);
(d) no electronic route: the patient is shown the phone numbers the record
    lists, with what to say, and no form that goes nowhere.

The choice and its reason are stored on the inquiry when it is sent
(Inquiry.recipient_addresses, Inquiry.recipient_reason) and shown to staff.
The operators' mailbox (INQUIRY_FALLBACK_EMAIL) is never a route: it only
receives operators' alerts.
"""

from __future__ import annotations

from dataclasses import dataclass

from trials import teams
from trials.contacts import is_placeholder, phone_with_extension
from trials.distance import Origin
from trials.emails import address_safe
from trials.models import Site, Trial
from trials.models.inquiries import RecipientReason
from trials.routing import Route, site_route

# How many sites of a trial without any address the page asks the study
# teams about before it shows the phone route instead of the form.
TEAM_QUESTIONS_MAX = 25
REACHES_THE_SITE = (RecipientReason.STUDY_TEAM, RecipientReason.SITE_CONTACT)
CENTRAL = (RecipientReason.CENTRAL_CONTACT, RecipientReason.BACKUP_CONTACT)


@dataclass(frozen=True)
class Recipients:
    """Where one site's messages go, and why (a RecipientReason value)."""

    addresses: tuple[str, ...]
    reason: str
    # The registry contact written to, for (c): the page may name it.
    contact: dict | None = None

    @property
    def reaches_the_site(self) -> bool:
        """The site's own team reads it (not the sponsor's central contact)."""
        return self.reason in REACHES_THE_SITE

    @property
    def electronic(self) -> bool:
        return bool(self.addresses)


def _addresses(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for a in (address_safe(v) for v in values) if a))


def central_recipients(trial: Trial) -> Recipients:
    """(c) then (d): the trial's central contact, else its backup, else nothing."""
    for contact, reason in (
        (trial.central_contact, RecipientReason.CENTRAL_CONTACT),
        (trial.backup_contact, RecipientReason.BACKUP_CONTACT),
    ):
        addresses = _addresses([contact.get("email", "")]) if contact else ()
        if addresses:
            return Recipients(addresses, reason, contact)
    return Recipients((), RecipientReason.NO_ROUTE)


def site_recipients(*, site: Site, trial: Trial) -> Recipients:
    """The referral chain for one site: (a), (b), (c), (d) above."""
    team = _addresses(teams.team_addresses(site))
    if team:
        return Recipients(team, RecipientReason.STUDY_TEAM)
    own = _addresses([site.contact_email])
    if own:
        return Recipients(own, RecipientReason.SITE_CONTACT)
    return central_recipients(trial)


def message_route(
    *, trial: Trial, origin: Origin | None, chosen: Site | None = None
) -> tuple[Route, Recipients] | None:
    """The site a message goes to, among those taking messages, and its recipients."""
    route = site_route(trial=trial, origin=origin, chosen=chosen, accepts=teams.taking_messages)
    if route is None:
        return None
    return route, site_recipients(site=route.site, trial=trial)


@dataclass(frozen=True)
class TrialRoutes:
    """What a trial's page can promise before the patient says where they are."""

    # "site": every site a message can reach has its own address; "central":
    # none has, the central contact receives; "mixed": it depends on the site;
    # "none": no electronic route at all (the page shows the phone route).
    kind: str
    central: Recipients

    @property
    def has_form(self) -> bool:
        return self.kind != "none"


def trial_routes(trial: Trial, sites: list[Site]) -> TrialRoutes:
    """Which of the chain's steps the trial's messages can take. From the
    sites' registry addresses; study teams are asked about (one question per
    site, and a record may list 700 sites) only for a one-site trial and for a
    trial that would otherwise have no route at all."""
    central = central_recipients(trial)
    if len(sites) == 1:
        with_address = [site_recipients(site=sites[0], trial=trial).reaches_the_site]
    else:
        with_address = [bool(address_safe(site.contact_email)) for site in sites]
        if not any(with_address) and not central.electronic:
            # One question (a query) per site: the first few sites only.
            asked = sites[:TEAM_QUESTIONS_MAX]
            with_address = [bool(_addresses(teams.team_addresses(site))) for site in asked]
    if with_address and all(with_address):
        kind = "site"
    elif central.electronic:
        kind = "mixed" if any(with_address) else "central"
    else:
        kind = "mixed" if any(with_address) else "none"
    return TrialRoutes(kind, central)


@dataclass(frozen=True)
class Phone:
    """A number to call, as the registry lists it, and whose it is."""

    kind: str  # "site", "central" or "backup"
    number: str
    name: str = ""

    @property
    def name_is_person(self) -> bool:
        return not is_placeholder(self.name)

    @property
    def tel(self) -> str:
        """For a tel: link: '+15550100,204' (a comma waits, then dials the extension)."""
        number, _, extension = self.number.partition(" ext. ")
        digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
        extension = "".join(ch for ch in extension if ch.isdigit())
        return f"{digits},{extension}" if extension else digits


def phones_for(*, trial: Trial, site: Site | None) -> list[Phone]:
    """The site's phone numbers and the central and backup contacts', with extensions."""
    phones: list[Phone] = []
    if site is not None:
        listed = site.contacts or (
            [{"name": site.contact_name, "phone": site.contact_phone}] if site.contact_phone else []
        )
        for contact in listed:
            number = phone_with_extension(contact)
            if number:
                phones.append(Phone("site", number, contact.get("name", "")))
    for kind, contact in (("central", trial.central_contact), ("backup", trial.backup_contact)):
        number = phone_with_extension(contact) if contact else ""
        if number:
            phones.append(Phone(kind, number, contact.get("name", "")))
    seen: set[str] = set()
    return [p for p in phones if not (p.number in seen or seen.add(p.number))]
