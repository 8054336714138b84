"""Send a message: the form on the trial page and its own page, what is
stored, the confirmation, and the guards against double posts, bots and floods."""

import threading
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import Inquiry, OutgoingEmail, Place, PlaceName, RecruitmentStatus

pytestmark = pytest.mark.django_db

CONFIRMATION = (
    "We have submitted the contact information you provided to the research team at "
    "{site}. A copy of the message has been sent to your email for your records."
)
NOTIFY = (
    "Would you like to be notified about other trials? Sign up for Patient Notification Services"
)


@pytest.fixture
def trial():
    trial = TrialFactory(nct_id="NCT06760221", brief_title="Preoperative SBRT for Sarcoma")
    SiteFactory(
        trial=trial,
        facility="Second Affiliated Hospital, Zhejiang University",
        city="Hangzhou",
        country="China",
        latitude=30.2588,
        longitude=120.1693,
        contact_email="hangzhou@hospital.example",
        languages=["zh-hans", "en"],
        is_primary_contact=True,
    )
    SiteFactory(
        trial=trial,
        facility="Shandong Cancer Hospital",
        city="Jinan",
        state="Shandong",
        country="China",
        latitude=36.6683,
        longitude=116.9972,
        contact_email="jinan@hospital.example",
        languages=["zh-hans"],
    )
    return trial


@pytest.fixture
def places():
    for geoname_id, name, names, lat, lon, population in (
        (1808926, "Hangzhou", ["杭州", "杭州市"], 30.29365, 120.16142, 9236032),
        (1805753, "Jinan", ["济南"], 36.66833, 116.99722, 4335989),
    ):
        place = Place.objects.create(
            geoname_id=geoname_id,
            name=name,
            country_code="CN",
            latitude=lat,
            longitude=lon,
            population=population,
        )
        for each in (name, *names):
            PlaceName.objects.create(place=place, name=each, key=each.casefold())


def valid(**overrides) -> dict:
    data = {
        "first_name": "小明",
        "last_name": "王",
        "email": "wang@example.com",
        "phone": "138 0013 8000",
        "preferred_language": "zh-hans",
        "location": "杭州",
        "lat": "",
        "lon": "",
        "site": "",
        "message": "我想了解这项研究。",
        "consent": "on",
        "health_consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def contact_url(trial) -> str:
    return reverse("trials:contact", args=[trial.nct_id])


def post(client, trial, **overrides):
    return client.post(contact_url(trial), valid(**overrides))


def test_it_stores_the_inquiry_and_confirms_with_the_site_and_distance(
    client, trial, places, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, trial)
    assert response.status_code == 302
    assert response["Location"] == f"/trials/{trial.nct_id}/contact/sent/"

    inquiry = Inquiry.objects.get()
    assert inquiry.site.facility == "Second Affiliated Hospital, Zhejiang University"
    assert inquiry.routing == Inquiry.Routing.NEAREST
    assert (inquiry.first_name, inquiry.last_name) == ("小明", "王")
    assert inquiry.phone == "+8613800138000"
    assert inquiry.preferred_language == "zh-hans"
    assert inquiry.location_text == "杭州"
    assert round(inquiry.distance_km) == 4
    assert inquiry.consent_at is not None
    assert inquiry.message == "我想了解这项研究。"
    assert inquiry.notify_other_trials is False

    emails = {email.to: email for email in OutgoingEmail.objects.filter(inquiry=inquiry)}
    assert set(emails) == {"hangzhou@hospital.example", "wang@example.com"}
    assert emails["hangzhou@hospital.example"].reply_to == "wang@example.com"
    # The Celery task ran after commit (eagerly in tests) and both emails went out.
    assert sorted(m.to[0] for m in mail.outbox) == ["hangzhou@hospital.example", "wang@example.com"]

    text = page_text(client.get(response["Location"]))
    site = "Second Affiliated Hospital, Zhejiang University"
    assert CONFIRMATION.format(site=site) in text
    assert NOTIFY in text
    assert "This is the recruiting study center nearest to you, about 4 km away." in text
    assert (
        'href="/notifications/?trial=NCT06760221"'
        in client.get(response["Location"]).content.decode()
    )


def test_the_trial_page_shows_the_form_and_the_languages_of_the_sites(client, trial):
    response = client.get(trial.get_absolute_url())
    html = response.content.decode()
    text = page_text(response)
    assert "Send a message Enter your contact details to connect with study team" in text
    assert f'action="{contact_url(trial)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for label in ("First name", "Last name", "Email", "Phone number", "Other language"):
        assert label in text
    assert '<option value="zh-hans">Chinese (Simplified)</option>' in html
    assert '<option value="en">English</option>' in html
    assert "Shandong Cancer Hospital — Jinan, Shandong, China · Chinese (Simplified)" in text
    assert "I agree to share these details with the study team of this trial." in text
    assert 'href="/privacy/"' in html
    assert "Notify me about other trials" in text


def test_the_honeypot_is_hidden_from_people(client, trial):
    html = client.get(contact_url(trial)).content.decode()
    wrapper = html[html.index('class="contact-extra"') - 5 : html.index('name="website"') + 200]
    assert 'aria-hidden="true"' in wrapper
    assert 'tabindex="-1"' in wrapper
    assert 'autocomplete="off"' in wrapper


@pytest.mark.parametrize(
    ("first_name", "last_name", "full_name"),
    [
        ("小明", "王", "王小明"),
        ("José-María", "O’Brien", "José-María O’Brien"),
        ("Nguyễn Thị", "Minh Khai", "Nguyễn Thị Minh Khai"),
        ("Ольга", "Петрова", "Ольга Петрова"),
    ],
)
def test_it_accepts_names_in_any_script(client, trial, first_name, last_name, full_name):
    assert post(client, trial, first_name=first_name, last_name=last_name).status_code == 302
    # Chinese names read family name first, with no space, as the study team writes them.
    assert Inquiry.objects.get().full_name == full_name


@pytest.mark.parametrize(
    "phone",
    [
        "138 0013 8000",
        "+86 138 0013 8000",
        "0086 138 0013 8000",
        "13800138000",
        "１３８００１３８０００",
    ],
)
def test_it_stores_chinese_numbers_in_e164(client, trial, phone):
    assert post(client, trial, phone=phone).status_code == 302
    assert Inquiry.objects.get().phone == "+8613800138000"


def test_it_reads_a_number_with_the_country_code_of_the_site_country(client):
    trial = TrialFactory()
    SiteFactory(trial=trial, country="United States", languages=["en"], is_primary_contact=True)
    assert (
        post(
            client, trial, phone="(202) 555-0143", location="", preferred_language="en"
        ).status_code
        == 302
    )
    assert Inquiry.objects.get().phone == "+12025550143"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("first_name", "x" * 101, "Ensure this value has at most 100 characters"),
        ("first_name", "Wang\r\nBcc: victim@example.com", "Please use only letters"),
        ("last_name", "<script>", "Please use only letters"),
        ("last_name", "12345", "Please enter a name with at least one letter."),
        ("email", "wang@example.com\r\nBcc: victim@example.com", "it holds invisible characters"),
        ("email", "not an email", "Enter a valid email address."),
        ("phone", "12345", "Please enter a phone number we can call, e.g. 131 2345 6789"),
        ("phone", "+86 138 0013 8000\nBcc: x", "Please keep this on one line."),
        ("consent", None, "Please agree to share your details"),
        ("preferred_language", "klingon", "Select a valid choice."),
        ("site", "999999", "Select a valid choice."),
        ("location", "Hangzhou\r\nX", "Please keep this on one line."),
        ("message", "x" * 2001, "Ensure this value has at most 2000 characters"),
    ],
)
def test_it_shows_the_problem_next_to_the_field_and_stores_nothing(
    client, trial, field, value, message
):
    response = post(client, trial, **{field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    # The message sits in the field's own feedback, right after it.
    after_field = html[html.index(f'id="contact-{field}"') :]
    feedback_start = after_field.index('class="invalid-feedback"')
    feedback = after_field[feedback_start : after_field.index("</div>", feedback_start)]
    assert message in feedback
    assert 'id="div_contact-' not in after_field[:feedback_start]  # no other field between
    assert "Please check the fields marked below. Nothing has been sent yet." in page_text(response)
    assert Inquiry.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_it_keeps_what_the_patient_typed_when_a_field_is_wrong(client, trial):
    response = post(client, trial, phone="12", message="Please call me after 6pm.")
    html = response.content.decode()
    assert 'value="小明"' in html and 'value="wang@example.com"' in html and 'value="12"' in html
    assert "Please call me after 6pm." in html
    assert '<option value="zh-hans" selected>' in html


def test_it_makes_one_inquiry_of_a_double_click(client, trial):
    assert post(client, trial).status_code == 302
    assert post(client, trial).status_code == 302
    assert Inquiry.objects.count() == 1
    assert OutgoingEmail.objects.count() == 2
    # Another message from the same patient is a new inquiry.
    assert post(client, trial, message="另一个问题").status_code == 302
    assert Inquiry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_inquiry_of_two_posts_at_the_same_moment(postgres, trial):
    barrier = threading.Barrier(2)
    statuses = []

    def send() -> None:
        try:
            barrier.wait()
            statuses.append(post(Client(), trial).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Inquiry.objects.count() == 1
    assert OutgoingEmail.objects.count() == 2


def test_a_filled_honeypot_stores_nothing_but_looks_the_same(
    client, trial, places, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, trial, website="http://cheap-pills.example")
    assert response.status_code == 302
    text = page_text(client.get(response["Location"]))
    assert CONFIRMATION.format(site="Second Affiliated Hospital, Zhejiang University") in text
    assert Inquiry.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


def test_it_sends_to_the_site_the_patient_picked_in_a_language_it_speaks(client, trial, places):
    jinan = trial.sites.get(city="Jinan")
    response = post(client, trial, site=str(jinan.pk), preferred_language="en")
    assert "Shandong Cancer Hospital speaks Chinese (Simplified)." in page_text(response)
    assert Inquiry.objects.count() == 0

    response = post(client, trial, site=str(jinan.pk))
    inquiry = Inquiry.objects.get()
    assert (inquiry.site, inquiry.routing) == (jinan, Inquiry.Routing.CHOSEN)
    assert 750 < inquiry.distance_km < 780
    text = page_text(client.get(response["Location"]))
    assert CONFIRMATION.format(site="Shandong Cancer Hospital") in text
    assert "You chose this study center. It is about 767 km from you." in text


def test_it_ignores_coordinates_that_are_not_on_the_globe(client, trial, places):
    post(client, trial, lat="91", lon="117", location="Jinan")
    post(client, trial, lat="nan", lon="inf", location="Jinan", message="again")
    assert [i.site.city for i in Inquiry.objects.all()] == ["Jinan", "Jinan"]


def test_it_routes_by_the_browsers_coordinates(client, trial):
    post(client, trial, location="My location", lat="36.65", lon="117.12")
    inquiry = Inquiry.objects.get()
    assert inquiry.site.city == "Jinan"
    assert inquiry.routing == Inquiry.Routing.NEAREST
    # Kept to about a kilometre, not the patient's doorstep.
    assert (inquiry.latitude, inquiry.longitude) == (36.65, 117.12)


def test_it_skips_a_site_that_stopped_recruiting(client, trial, places):
    trial.sites.filter(city="Hangzhou").update(status=RecruitmentStatus.ACTIVE_NOT_RECRUITING)
    post(client, trial)
    assert Inquiry.objects.get().site.city == "Jinan"


def test_it_says_so_when_the_place_is_unknown(client, trial):
    response = post(client, trial, location="Atlantis")
    inquiry = Inquiry.objects.get()
    assert (inquiry.site.city, inquiry.routing) == ("Hangzhou", Inquiry.Routing.PRIMARY)
    assert inquiry.distance_km is None
    text = page_text(client.get(response["Location"]))
    assert (
        "We could not find “Atlantis” on our map, "
        "so your message went to the trial’s primary contact." in text
    )


def test_it_says_so_when_no_place_is_given(client, trial):
    response = post(client, trial, location="")
    assert Inquiry.objects.get().routing == Inquiry.Routing.PRIMARY
    text = page_text(client.get(response["Location"]))
    assert (
        "You did not tell us where you are, so your message went to the trial’s primary contact."
        in text
    )


def test_it_prefills_the_notification_sign_up_when_the_patient_asks(client, trial, places):
    post(client, trial, notify_other_trials="on")
    assert Inquiry.objects.get().notify_other_trials is True
    inquiry = Inquiry.objects.get()
    # The session holds the inquiry's id, never the address.
    assert client.session["notify_prefill"] == {"inquiry": inquiry.pk, "trial": "NCT06760221"}
    html = client.get(reverse("trials:notify_signup")).content.decode()
    assert 'value="wang@example.com"' in html and 'value="Hangzhou, CN"' in html
    assert '<option value="zh-hans" selected>' in html


def test_it_keeps_the_prescreen_answers_with_the_inquiry(client, trial):
    session = client.session
    session[f"prescreen:{trial.pk}"] = {"age": "45", "sex": ""}
    session.save()
    post(client, trial)
    answers = Inquiry.objects.get().prescreen_answers
    assert answers[0]["question"] == "How old are you?"
    assert answers[0]["verdict"] == "met"


def test_it_needs_the_csrf_token(trial):
    client = Client(enforce_csrf_checks=True)
    assert post(client, trial).status_code == 403
    assert Inquiry.objects.count() == 0


def test_the_confirmation_page_needs_a_message_first(client, trial):
    response = client.get(reverse("trials:contact_sent", args=[trial.nct_id]))
    assert response.status_code == 302
    assert response["Location"] == contact_url(trial)


def test_the_contact_page_works_without_javascript(client, trial):
    response = client.get(f"/trials/{trial.nct_id.lower()}/contact/")
    assert response.status_code == 301 and response["Location"] == contact_url(trial)
    text = page_text(client.get(contact_url(trial)))
    assert "Get in touch with the nearest study center" in text
    assert "Send a message" in text
    assert client.get("/trials/NCT00000000/contact/").status_code == 404


def test_a_trial_without_sites_says_there_is_no_one_to_write_to(client):
    trial = TrialFactory()
    text = page_text(client.get(trial.get_absolute_url()))
    assert "The registry lists no study center to write to for this trial yet." in text
    response = post(client, trial)
    assert response.status_code == 200
    assert Inquiry.objects.count() == 0


def _over_the_limit(client, trial, count):
    statuses = []
    for number in range(count):
        response = post(client, trial, email=f"p{number}@example.com", message=str(number))
        statuses.append(response.status_code)
    return statuses, response


def test_it_limits_messages_per_ip_address(client, trial, settings):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 3
    statuses, response = _over_the_limit(client, trial, 4)
    assert statuses == [302, 302, 302, 429]
    assert "Please wait a moment" in page_text(response)
    assert response["Retry-After"] == "3600"
    assert Inquiry.objects.count() == 3
    # Another address is not held back.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert post(other, trial).status_code == 302


def test_it_limits_messages_per_email_address(trial, settings):
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 2
    statuses = [
        post(
            Client(REMOTE_ADDR=f"192.0.2.{n}"), trial, email="Wang@Example.com", message=str(n)
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Inquiry.objects.count() == 2


def test_it_limits_on_the_shared_redis_cache(client, trial, settings, redis_url):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        },
    }
    settings.INQUIRY_RATE_LIMIT_PER_IP = 2
    statuses, _response = _over_the_limit(client, trial, 3)
    assert statuses == [302, 302, 429]
    assert Inquiry.objects.count() == 2


def test_it_still_takes_the_message_when_the_cache_is_down(client, trial, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert post(client, trial).status_code == 302
    assert Inquiry.objects.count() == 1
    assert "Rate limit inquiry-ip not checked: the cache is unreachable" in caplog.text
