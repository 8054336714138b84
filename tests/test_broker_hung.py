"""A broker that accepts connections and never answers (hung, not down):
the patient's submit still succeeds and the emails wait for the sweeper.
How long the submit takes (the publish gives up after BROKER_TIMEOUT_SECONDS)
is measured by bench/stall_bench.py, not asserted here."""

import socket
import threading

import pytest
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from tests.stack import use_broker
from trialfinder.celery import app
from trials.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_broker():
    """A TCP listener that accepts every connection and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    # The stored values, not the read ones (broker_write_url reads as broker_url).
    before = app.conf.get("broker_url"), app.conf.get("broker_write_url")
    use_broker(f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    yield
    app.conf.broker_url, app.conf.broker_write_url = before
    use_broker(None)
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_hung_broker_does_not_hold_up_the_patient(
    silent_broker, client, django_capture_on_commit_callbacks
):
    trial = TrialFactory()
    SiteFactory(trial=trial, contact_email="site@hospital.example", is_primary_contact=True)
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "phone": "+44 20 7946 0000",
        "consent": "on",
        "health_consent": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("trials:contact", args=[trial.nct_id]), data)

    assert response.status_code == 302
    assert "Your message has been sent" in page_text(client.get(response["Location"]))
    # The publish waits at most this long on a broker that never answers.
    options = app.conf.broker_transport_options
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.5
    statuses = list(OutgoingEmail.objects.values_list("status", flat=True))
    assert statuses == [OutgoingEmail.Status.QUEUED] * 2  # for the sweeper
