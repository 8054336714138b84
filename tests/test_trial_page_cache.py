"""The trial page renders what only changes with the trial once per trial
update and language, and never caches what belongs to one visitor."""

import copy
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.admin_forms import faq_answer_changed
from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import Trial

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
ADMIN = "/" + settings.ADMIN_URL


@pytest.fixture
def trial():
    trial = TrialFactory(
        eligibility_criteria=(
            "Inclusion Criteria:\n\n1. Aged 18 or older\n\nExclusion Criteria:\n\n1. Pregnant"
        ),
        conditions=[ConditionFactory(name="Soft Tissue Sarcoma")],
    )
    SiteFactory(trial=trial, facility="Example Cancer Center", is_primary_contact=True)
    return trial


def rendered_templates(response) -> set[str]:
    return {template.name for template in response.templates}


def test_it_renders_the_registry_text_and_the_contact_form_once_per_trial_update(client, trial):
    first = client.get(trial.get_absolute_url())
    assert "trials/includes/criteria_list.html" in rendered_templates(first)
    assert any(name.startswith("bootstrap5/") for name in rendered_templates(first))

    again = client.get(trial.get_absolute_url())
    # Neither the eligibility lists nor crispy's field templates render again...
    assert "trials/includes/criteria_list.html" not in rendered_templates(again)
    assert not any(name.startswith("bootstrap5/") for name in rendered_templates(again))
    # ...and the patient sees the same page.
    assert page_text(again) == page_text(first)
    assert "Pregnant" in page_text(again)
    assert 'name="first_name"' in again.content.decode()


def test_it_shows_an_edit_of_the_trial_at_once(client, trial):
    assert "Pregnant" in page_text(client.get(trial.get_absolute_url()))
    trial.eligibility_criteria = "Inclusion Criteria:\n\n1. Able to lie flat"
    trial.save()  # what the admin's change form does
    page = page_text(client.get(trial.get_absolute_url()))
    assert "Able to lie flat" in page
    assert "Pregnant" not in page


def test_it_shows_a_new_site_added_in_the_admin_at_once(client, trial, django_user_model):
    assert "Second Example Hospital" not in page_text(client.get(trial.get_absolute_url()))
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("editor", "e@example.org", "x"))
    url = f"{ADMIN}trials/site/add/?trial={trial.pk}"
    from tests.test_admin_trials import form_data

    data = form_data(staff.get(url))
    data.update(
        {
            "facility": ["Second Example Hospital"],
            "status": ["RECRUITING"],
            "city": ["Hangzhou"],
            "country": ["China"],
            "_save": ["Save"],
        }
    )
    assert staff.post(url, data).status_code == 302
    html = client.get(trial.get_absolute_url()).content.decode()
    # In the contact form's list of centers too, which is cached with the trial.
    assert re.search(r"<option[^>]*>Second Example Hospital", html)
    # Renamed on its own page: the trial's page shows the new name at once.
    site = trial.sites.get(facility="Second Example Hospital")
    url = f"{ADMIN}trials/site/{site.pk}/change/"
    data = form_data(staff.get(url))
    data.update({"facility": ["Third Example Hospital"], "_save": ["Save"]})
    assert staff.post(url, data).status_code == 302
    html = client.get(trial.get_absolute_url()).content.decode()
    assert re.search(r"<option[^>]*>Third Example Hospital", html)
    assert "Second Example Hospital" not in html


def test_it_shows_a_renamed_condition_at_once(client, trial, django_user_model):
    assert "Soft Tissue Sarcoma" in page_text(client.get(trial.get_absolute_url()))
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("editor", "e@example.org", "x"))
    condition = trial.conditions.get()
    response = staff.post(
        f"{ADMIN}trials/condition/{condition.pk}/change/",
        {"name": "Sarcoma of Soft Tissue", "slug": condition.slug, "_save": "Save"},
    )
    assert response.status_code == 302
    assert "Sarcoma of Soft Tissue" in page_text(client.get(trial.get_absolute_url()))


def test_it_shows_a_reimported_trial_at_once(client, tmp_path):
    record = json.loads((DATA / "NCT06760221.json").read_text())
    record["protocolSection"]["identificationModule"]["nctId"] = "NCT90000001"
    path = tmp_path / "study.json"
    path.write_text(json.dumps(record))
    call_command("import_trials", str(path))
    Trial.objects.filter(nct_id="NCT90000001").update(published=True)
    url = Trial.objects.get(nct_id="NCT90000001").get_absolute_url()
    assert "Unable to lie flat." in page_text(client.get(url))

    changed = copy.deepcopy(record)
    module = changed["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = "Inclusion Criteria:\n\n  1. Able to walk unaided."
    path.write_text(json.dumps(changed))
    call_command("import_trials", str(path))
    page = page_text(client.get(url))
    assert "Able to walk unaided." in page
    assert "Unable to lie flat." not in page


def test_it_gives_each_visitor_their_own_csrf_token(trial):
    tokens = set()
    for _ in range(2):
        visitor = Client()
        html = visitor.get(trial.get_absolute_url()).content.decode()
        form = html[html.index('id="contact-form"') :]
        tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1))
    assert len(tokens) == 2


def test_it_keeps_the_contact_page_form_as_the_patient_filled_it(client, trial):
    client.get(trial.get_absolute_url())  # the blank form is cached now
    response = client.post(
        f"/trials/{trial.nct_id}/contact/",
        {"first_name": "Ada", "last_name": "", "email": "ada@example.org"},
    )
    html = response.content.decode()
    assert 'value="Ada"' in html
    assert 'value="ada@example.org"' in html


def test_it_shows_an_faq_entry_edited_in_the_admin_at_once(client, trial, admin_client):
    from trials.models import FaqEntry

    entry = FaqEntry.objects.create(question="What is a trial?", answer="A study.", order=1)
    assert "A study." in page_text(client.get(trial.get_absolute_url()))
    faq_answer_changed(admin_client, entry, "A research study.")
    assert "A research study." in page_text(client.get(trial.get_absolute_url()))


def test_it_marks_the_notes_panel_of_a_browser_with_notes_only(client, trial):
    html = client.get(trial.get_absolute_url()).content.decode()
    assert "data-has-notes" not in html
    client.cookies["tf_notes"] = "a-browser-token"
    assert "data-has-notes" in client.get(trial.get_absolute_url()).content.decode()
    del client.cookies["tf_notes"]
    assert "data-has-notes" not in client.get(trial.get_absolute_url()).content.decode()
