"""Whatever is posted to the contact form: never a server error, and nothing
stored unless the post was a valid message."""

import pytest
from django.core.validators import validate_email
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import SiteFactory, TrialFactory
from tests.fuzz import LINE_BREAK
from trials.models import Inquiry, OutgoingEmail

pytestmark = pytest.mark.django_db

# Any text a browser (or a bot) can send; lone surrogates cannot be encoded.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
VALID = {
    "first_name": ["小明", "José", "Ольга"],
    "last_name": ["王", "O’Brien"],
    # The last two must be refused: a control character in the address.
    "email": [
        "wang@example.com",
        "a.b@example.org",
        '"a\x0bb"@example.org',
        "wang\x01@example.com",
    ],
    "phone": ["138 0013 8000", "+86 138 0013 8000"],
    "preferred_language": ["", "zh-hans", "en"],
    "location": ["", "杭州", "Hangzhou", "Atlantis"],
    "lat": ["", "30.29", "-91"],
    "lon": ["", "120.16", "1e309"],
    "site": ["", "<jinan>"],  # the second site's id, filled in by the test
    "message": ["", "我想了解这项研究。"],
    "consent": ["on", ""],
    "health_consent": ["on", ""],
    "notify_other_trials": ["on", ""],
    "website": [""],
}


def field_values():
    """Every field arbitrary, or a valid post with one or two fields arbitrary."""
    anything = st.one_of(st.none(), ANY_TEXT)
    all_arbitrary = st.fixed_dictionaries(
        {name: st.one_of(anything, st.sampled_from(values)) for name, values in VALID.items()}
    )
    valid = st.fixed_dictionaries(
        {name: st.sampled_from(values) for name, values in VALID.items()}
    ).map(lambda data: {**data, "consent": "on", "health_consent": "on"})
    return st.one_of(all_arbitrary, _spoil(valid, anything))


@st.composite
def _spoil(draw, valid, anything):
    data = draw(valid)
    for name in draw(st.lists(st.sampled_from(sorted(VALID)), max_size=2)):
        data[name] = draw(anything)
    return data


@pytest.fixture
def trial(settings):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 0
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 0
    trial = TrialFactory()
    SiteFactory(trial=trial, is_primary_contact=True)
    SiteFactory(trial=trial, city="Jinan", latitude=36.67, longitude=117.0, languages=["zh-hans"])
    return trial


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=field_values())
def test_it_never_fails_and_stores_nothing_for_invalid_posts(client, trial, values):
    if values["site"] == "<jinan>":
        values["site"] = str(trial.sites.get(city="Jinan").pk)
    data = {name: value for name, value in values.items() if value is not None}
    before = (Inquiry.objects.count(), OutgoingEmail.objects.count())

    response = client.post(reverse("trials:contact", args=[trial.nct_id]), data)

    assert response.status_code in (200, 302), response.status_code
    after = (Inquiry.objects.count(), OutgoingEmail.objects.count())
    event(f"status {response.status_code}, stored {after != before}")
    if response.status_code == 200:
        # Re-rendered with messages: nothing was stored.
        assert after == before
        assert b"Please check the fields marked below" in response.content
    else:
        # Stored once with both emails (one, to the study team, when the
        # patient gave a phone number only), a correction of an earlier post
        # with one email to its site, or nothing (double post, honeypot).
        stored = [(before[0] + 1, before[1] + 2), (before[0] + 1, before[1] + 1)]
        corrected = (before[0], before[1] + 1)
        assert after in (before, *stored, corrected)
    # A correction changes an earlier inquiry: every stored one stays sound.
    for inquiry in Inquiry.objects.all():
        assert not LINE_BREAK.search(inquiry.first_name + inquiry.last_name + inquiry.email)
        # An address, a phone number or both; never neither.
        assert inquiry.email or inquiry.phone
        if inquiry.email:
            validate_email(inquiry.email)
        else:
            # No copy to a patient without an address: the study team's
            # message, and their corrected details after a correction.
            kinds = set(inquiry.emails.values_list("kind", flat=True))
            assert OutgoingEmail.Kind.SITE_INQUIRY in kinds
            assert kinds <= {OutgoingEmail.Kind.SITE_INQUIRY, OutgoingEmail.Kind.SITE_CORRECTION}
        if inquiry.phone:
            assert inquiry.phone.startswith("+")
    for email in OutgoingEmail.objects.all():
        assert not LINE_BREAK.search(email.to + email.reply_to + email.subject)
