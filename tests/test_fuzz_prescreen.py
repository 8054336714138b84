"""Whatever is posted to a trial's pre-screen, and then sent with a message:
an answer page, never a server error, and only sound answers travel with the
inquiry."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import PrescreenQuestionFactory, SiteFactory, TrialFactory
from tests.fuzz import CONTROL, fields, fuzz, no_server_error
from trials.models import Inquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial(settings):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 0
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 0
    trial = TrialFactory(sex="FEMALE")
    SiteFactory(trial=trial, is_primary_contact=True)
    PrescreenQuestionFactory(trial=trial, kind="yes_no", qualifying_answer="no")
    PrescreenQuestionFactory(trial=trial, kind="number", minimum=0, maximum=2)
    PrescreenQuestionFactory(
        trial=trial, kind="choice", choices=["0", "1", "2"], qualifying_choices=["0", "1"]
    )
    return trial


def answers(trial) -> dict:
    pks = list(trial.prescreen_questions.values_list("pk", flat=True))
    valid = {
        "age": ["40", "17", "80.5", "1e999999", "-3", "４０"],
        "sex": ["female", "male", "FEMALE", ""],
        f"q{pks[0]}": ["yes", "no", "unsure"],
        f"q{pks[1]}": ["1", "2,5", "3", "1e9999999", "0E-9999999", "-0"],
        f"q{pks[2]}": ["0", "2", "5"],
    }
    return fields(valid)


@fuzz(max_examples=100)
@given(data=st.data(), htmx=st.booleans())
def test_the_pre_screen_answers_anything_and_keeps_sound_answers(client, trial, data, htmx):
    posted = data.draw(answers(trial))
    if data.draw(st.integers(0, 9)) == 0:
        posted["clear"] = "1"
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(
        reverse("trials:prescreen", args=[trial.nct_id]), posted, headers=headers
    )
    no_server_error(response)
    assert response.status_code in (200, 302)
    sent = client.post(
        reverse("trials:contact", args=[trial.nct_id]),
        {
            "first_name": "Ming",
            "last_name": "Wang",
            "email": "ming@example.org",
            "phone": "+86 138 0013 8000",
            "consent": "on",
            "health_consent": "on",
            "message": str(len(posted)),
        },
    )

    no_server_error(sent)
    inquiry = Inquiry.objects.order_by("-pk").first()
    for answer in inquiry.prescreen_answers if inquiry else []:
        assert answer["verdict"] in ("met", "not_met", "unknown")
        assert len(answer["answer"]) <= 40 and not CONTROL.search(answer["answer"])
