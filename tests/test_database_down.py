"""The database really unreachable: the patient keeps what they typed and
is told to send it again in a minute; /healthz names what is down.

The outage is real: the site's connection is pointed at a port where nothing
listens, so psycopg fails to connect exactly as it does when PostgreSQL is
down. Then it is pointed back and the kept form is sent again.
"""

import socket
import threading
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import Inquiry, OutgoingEmail, Subscription
from trials.prescreen import session_key

NOT_SENT = "Your message has not been sent yet"


class Database:
    """Switches the site's database connection off and on again."""

    def __init__(self, closed_port: int) -> None:
        self.closed_port = closed_port
        self.real = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}

    def down(self, port: int | None = None) -> None:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port or self.closed_port))

    def up(self) -> None:
        connection.close()
        connection.settings_dict.update(self.real)


@pytest.fixture
def closed_port():
    # Bound but never listening: every connection to it is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def database(postgres, transactional_db, closed_port):
    switch = Database(closed_port)
    yield switch
    switch.up()


class _Fields(HTMLParser):
    """What a browser would post from the page's form: inputs, textareas, selects."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            elif attrs.get("type") != "submit":
                self.data[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            # As browsers do: the line break right after <textarea> is not content.
            self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    parser = _Fields()
    parser.feed(html)
    return parser.data


@pytest.fixture
def trial():
    trial = TrialFactory(nct_id="NCT06760221")
    SiteFactory(trial=trial, facility="Hangzhou site", city="Hangzhou", country="China")
    chosen = SiteFactory(
        trial=trial,
        facility="Jinan site",
        city="Jinan",
        country="China",
        contact_email="jinan@hospital.example",
        is_primary_contact=True,
    )
    trial.chosen_site = chosen
    return trial


def typed(trial) -> dict:
    return {
        "first_name": "小明",
        "last_name": "王",
        "email": "wang@example.org",
        "phone": "138 0013 8000",
        "location": "Hangzhou",
        "site": str(trial.chosen_site.pk),
        "message": "Can I join after chemotherapy?\nI live nearby.",
        "consent": "on",
        "health_consent": "on",
        "website": "",
    }


def test_a_message_sent_while_the_database_is_down_comes_back_filled_in(database, trial):
    patient = Client()
    url = reverse("trials:contact", args=[trial.nct_id])
    assert patient.get(url).status_code == 200

    database.down()
    response = patient.post(url, typed(trial))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = page_text(response)
    assert NOT_SENT in text
    assert "wait a minute" in text
    kept = form_fields(response.content.decode())
    for name, value in typed(trial).items():
        assert kept[name] == value, name
    assert "csrfmiddlewaretoken" in kept

    # A minute later the database is back and "Send again" sends it.
    database.up()
    sent = patient.post(url, kept)
    assert sent.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.site == trial.chosen_site
    assert (inquiry.first_name, inquiry.phone) == ("小明", "+8613800138000")
    assert inquiry.message.split() == typed(trial)["message"].split()
    assert OutgoingEmail.objects.filter(inquiry=inquiry).count() == 2


def test_a_notification_sign_up_while_the_database_is_down_keeps_its_choices(database):
    database.down()
    response = Client().post(
        reverse("trials:notify_signup"),
        {"email": "li@example.org", "interests": "sarcoma", "radius": "250", "language": "en"},
    )
    assert response.status_code == 503
    kept = form_fields(response.content.decode())
    kept_choices = (kept["email"], kept["interests"], kept["radius"])
    assert kept_choices == ("li@example.org", "sarcoma", "250")
    database.up()
    assert Client().post(reverse("trials:notify_signup"), kept).status_code == 302
    assert Subscription.objects.get().email == "li@example.org"


@pytest.fixture
def silent_port():
    """A server that accepts connections and never says a word, for 15 seconds:
    a database host behind a network that drops its answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    timer = threading.Timer(15, sock.close)
    timer.start()
    yield sock.getsockname()[1]
    timer.cancel()
    sock.close()


def test_a_database_that_does_not_answer_gives_the_503(database, trial, silent_port):
    # The wait is the connect timeout (bench/stall_bench.py times it).
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == "5"
    database.down(silent_port)
    response = Client().post(reverse("trials:contact", args=[trial.nct_id]), typed(trial))
    assert response.status_code == 503
    assert NOT_SENT in page_text(response)


def test_pre_screening_answers_sent_while_the_database_is_down_can_be_sent_again(database, trial):
    patient = Client()
    url = reverse("trials:prescreen", args=[trial.nct_id])
    database.down()
    response = patient.post(url, {"age": "54", "sex": "FEMALE"})
    assert response.status_code == 503
    assert NOT_SENT in page_text(response)
    kept = form_fields(response.content.decode())
    assert (kept["age"], kept["sex"]) == ("54", "FEMALE")
    database.up()
    assert patient.post(url, kept).status_code == 302
    assert patient.session[session_key(trial)]["age"] == "54"


def test_a_page_while_the_database_is_down_is_a_503_not_a_500(database, trial):
    database.down()
    response = Client().get(trial.get_absolute_url())
    assert response.status_code == 503
    assert "cannot reach its database right now" in page_text(response)
    assert NOT_SENT not in page_text(response)


def test_the_notes_script_gets_a_message_it_can_show(database, trial):
    database.down()
    response = Client().post(
        reverse("trials:notes", args=[trial.nct_id]),
        '{"section": "description", "quote": "x", "start": 0, "end": 1}',
        content_type="application/json",
    )
    assert response.status_code == 503
    assert "try again in a minute" in response.json()["error"]


def test_the_health_check_names_the_database_when_it_is_down(database, redis_url):
    assert Client().get("/healthz").status_code == 200
    database.down()
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.content.decode().splitlines() == [
        "database: down",
        "cache: ok",
        "broker: ok",
        "worker: ok (tasks run in the web process)",
        "beat: not used",
    ]


def test_the_health_check_names_the_cache_and_the_broker_when_they_are_down(
    db, settings, closed_port, monkeypatch
):
    from trialfinder.celery import app

    unreachable = f"redis://127.0.0.1:{closed_port}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": unreachable,
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    monkeypatch.setitem(app.conf, "broker_url", unreachable)
    # Patients are still served (pages skip the cache, emails wait in the
    # outbox): the site stays in rotation, and the alerting view fails.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "database: ok",
        "cache: down",
        "broker: down",
        "worker: ok (tasks run in the web process)",
        "beat: not used",
    ]
    assert Client().get("/healthz/all").status_code == 503


def test_the_503_page_needs_no_database(db, django_assert_num_queries):
    from django.test import RequestFactory

    from trialfinder.unavailable import KeptForm, database_unavailable
    from trials.forms import ContactForm

    request = RequestFactory().post("/trials/NCT06760221/contact/", {"first_name": "Ming"})
    with django_assert_num_queries(0):
        kept = KeptForm(ContactForm, request.POST, hidden=["website"])
        response = database_unavailable(request, kept_form=kept)
    assert response.status_code == 503
    html = response.content.decode()
    assert 'value="Ming"' in html
    assert "First name" in page_text(html)
    assert 'type="hidden" name="website"' in html


def test_a_post_without_a_declared_form_travels_hidden_with_every_value(rf):
    from django.http import QueryDict

    from trialfinder.unavailable import KeptForm, database_unavailable

    request = rf.post("/trials/NCT06760221/prescreen/")
    data = QueryDict("q1=yes&q2=a&q2=b&csrfmiddlewaretoken=stale")
    html = database_unavailable(request, kept_form=KeptForm(None, data)).content.decode()
    assert html.count('type="hidden" name="q2"') == 2
    assert 'value="stale"' not in html
    assert form_fields(html)["q1"] == "yes"


def test_a_statement_that_fails_is_not_called_an_outage(postgres, trial, monkeypatch, caplog):
    # The database answers, but saving fails: here a real statement timeout
    # (PostgreSQL's 57014), as a deadlock or a lock wait would.
    from django.db import connection as db

    from trials.views import contact

    def times_out(**kwargs):
        with db.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(contact, "inquiry_submit", times_out)
    response = Client().post(reverse("trials:contact", args=[trial.nct_id]), typed(trial))
    assert response.status_code == 503
    text = page_text(response)
    assert "something went wrong while saving it, and nothing was saved" in text
    assert "cannot reach its database" not in text
    kept = form_fields(response.content.decode())
    assert kept["first_name"] == "小明" and kept["email"] == "wang@example.org"
    assert "Database error (57014)" in caplog.text
    assert "Database unreachable" not in caplog.text


def test_a_failing_statement_is_not_an_outage(postgres):
    from django.db import OperationalError, transaction
    from django.db import connection as db

    from trialfinder.unavailable import is_database_down

    with pytest.raises(OperationalError) as cancelled, transaction.atomic():
        with db.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")
    assert not is_database_down(cancelled.value)


def test_a_refused_connection_is_an_outage(database):
    from django.db import OperationalError
    from django.db import connection as db

    from trialfinder.unavailable import is_database_down

    database.down()
    with pytest.raises(OperationalError) as refused:
        db.ensure_connection()
    assert is_database_down(refused.value)
