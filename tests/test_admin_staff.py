"""What staff see and do in the admin: inquiries found by a full name in any
script, pre-screening answers as a table, ages in years, a trial's own FAQ
beside the shared one, and a site's usual answer time only when it means something."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.admin_forms import form_data
from tests.factories import InquiryFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import FaqEntry, Inquiry, Trial

pytestmark = pytest.mark.django_db

ADMIN = "/" + settings.ADMIN_URL


@pytest.fixture
def staff(client):
    user = User.objects.create_user("staff", "staff@example.org", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="trials"))
    client.force_login(user)
    return user


def found(client, term: str) -> list[str]:
    response = client.get(reverse("admin:trials_inquiry_changelist"), {"q": term})
    return sorted(inquiry.full_name for inquiry in response.context["cl"].result_list)


def test_it_finds_an_inquiry_by_a_full_name_in_any_script(client, staff):
    InquiryFactory(first_name="秀英", last_name="王")
    InquiryFactory(first_name="秀兰", last_name="王")
    InquiryFactory(first_name="Mary", last_name="Smith")
    InquiryFactory(first_name="Mary", last_name="Jones")
    assert found(client, "王秀英") == ["王秀英"]
    assert found(client, "王") == ["王秀兰", "王秀英"]
    assert found(client, "Mary Smith") == ["Mary Smith"]
    assert found(client, "Smith Mary") == ["Mary Smith"]
    assert found(client, "MarySmith") == ["Mary Smith"]
    assert found(client, "王秀芳") == []
    text = page_text(client.get(reverse("admin:trials_inquiry_changelist"), {"q": "王秀英"}))
    assert "王秀英" in text and "王秀兰" not in text


def test_staff_without_the_permission_find_nobody_by_name(client, staff):
    staff.user_permissions.remove(Permission.objects.get(codename="view_contact_details"))
    InquiryFactory(first_name="秀英", last_name="王")
    assert found(client, "王秀英") == []


def test_pre_screening_answers_are_a_table_not_json(client, staff):
    inquiry = InquiryFactory(
        prescreen_answers=[
            {
                "question": "How old are you?",
                "answer": "45 years",
                "verdict": "met",
                "criterion": "Ages: 18-80 years",
            },
            {
                "question": "Are you pregnant or breastfeeding?",
                "answer": "Yes",
                "verdict": "not_met",
                "criterion": "Pregnant or breastfeeding;",
            },
        ]
    )
    response = client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk]))
    html = response.content.decode()
    assert '<table class="prescreen-answers">' in html
    assert '"verdict"' not in html and "&quot;verdict&quot;" not in html
    text = page_text(response)
    assert "Question Answer Criterion" in text
    assert "How old are you? 45 years (fits the criterion) Ages: 18-80 years" in text
    assert "Are you pregnant or breastfeeding? Yes (does not fit the criterion)" in text


def test_it_enters_and_shows_ages_in_years(client, staff):
    trial = TrialFactory(minimum_age_days=18 * 365, maximum_age_days=182)
    url = f"{ADMIN}trials/trial/{trial.pk}/change/"
    response = client.get(url)
    text = page_text(response)
    assert "minimum age (years)" in text and "In days" not in text
    data = form_data(response)
    assert data["minimum_age_days"] == ["18"] and data["maximum_age_days"] == ["0.5"]
    # Left as shown, an age the registry gave in days stays exactly as stored.
    assert client.post(url, data).status_code == 302
    trial = Trial.objects.get(pk=trial.pk)
    assert (trial.minimum_age_days, trial.maximum_age_days) == (6570, 182)

    data.update(minimum_age_days=["16"], maximum_age_days=["75"])
    assert client.post(url, data).status_code == 302
    trial = Trial.objects.get(pk=trial.pk)
    assert (trial.minimum_age_days, trial.maximum_age_days) == (16 * 365, 75 * 365)

    data.update(minimum_age_days=["-1"])
    response = client.post(url, data)
    assert response.status_code == 200 and "greater than or equal to 0" in page_text(response)


def test_a_trials_own_faq_shows_on_its_page_beside_the_shared_one(client, staff):
    trial = TrialFactory()
    SiteFactory(trial=trial, is_primary_contact=True)
    other = TrialFactory()
    SiteFactory(trial=other, is_primary_contact=True)
    visitor = Client()
    # Kept whole for visitors first: the new answer must still show at once.
    before = page_text(visitor.get(trial.get_absolute_url()))
    assert "What is a clinical trial?" in before and "Questions about this trial" not in before

    url = f"{ADMIN}trials/trial/{trial.pk}/change/"
    data = form_data(client.get(url))
    data.update(
        {
            "faq_entries-TOTAL_FORMS": ["1"],
            "faq_entries-0-question": ["Is parking free at the hospital?"],
            "faq_entries-0-answer": ["Yes, for people taking part."],
            "faq_entries-0-order": ["1"],
            "faq_entries-0-published": ["on"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:1500]

    page = page_text(visitor.get(trial.get_absolute_url()))
    assert "Questions about this trial Is parking free at the hospital?" in page
    assert "What is a clinical trial?" in page
    assert "Is parking free" not in page_text(visitor.get(other.get_absolute_url()))
    assert "Is parking free" not in page_text(visitor.get(reverse("trials:faq")))

    # Edited from the FAQ list too: the trial's page follows.
    entry = FaqEntry.objects.get(trial=trial)
    edit = f"{ADMIN}trials/faqentry/{entry.pk}/change/"
    data = form_data(client.get(edit))
    data.update(question=["Can I park at the hospital?"])
    assert client.post(edit, data).status_code == 302
    page = page_text(visitor.get(trial.get_absolute_url()))
    assert "Can I park at the hospital?" in page and "Is parking free" not in page


def test_the_faq_list_tells_shared_questions_from_a_trials_own(client, staff):
    trial = TrialFactory(nct_id="NCT01234567")
    FaqEntry.objects.create(trial=trial, question="Is parking free?", answer="Yes.")
    url = reverse("admin:trials_faqentry_changelist")
    own = page_text(client.get(url, {"for_trial": "yes"}))
    shared = page_text(client.get(url, {"for_trial": "no"}))
    assert "Is parking free?" in own and "What is a clinical trial?" not in own
    assert "Is parking free?" not in shared and "What is a clinical trial?" in shared


def test_the_stats_show_a_median_only_with_five_answers(client, staff):
    site = SiteFactory(facility="Quiet Hospital")
    now = timezone.now()
    for hours in (2, 3, 4, 5):
        inquiry = InquiryFactory(site=site)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=now - datetime.timedelta(days=2),
            first_response_at=now - datetime.timedelta(days=2, hours=-hours),
        )
    stats = reverse("admin:trials_inquiry_stats")
    assert f"Quiet Hospital , Hangzhou {site.trial.nct_id} 4 4 –" in page_text(client.get(stats))
    inquiry = InquiryFactory(site=site)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        created_at=now - datetime.timedelta(days=2),
        first_response_at=now - datetime.timedelta(days=2, hours=-6),
    )
    assert f"Quiet Hospital , Hangzhou {site.trial.nct_id} 5 5 4.0" in page_text(client.get(stats))


def test_staff_who_only_view_a_trial_read_its_ages_in_years(client):
    user = User.objects.create_user("viewer", "viewer@example.org", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_trial"))
    client.force_login(user)
    trial = TrialFactory(minimum_age_days=18 * 365, maximum_age_days=None)
    text = page_text(client.get(f"{ADMIN}trials/trial/{trial.pk}/change/"))
    assert "Minimum age (years): 18" in text and "6570" not in text
