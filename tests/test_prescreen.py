"""Eligibility pre-screening: verdicts per question kind, age and sex from the
trial's own fields, the page round-trip with and without htmx, the seed
questions and the answers that travel with an inquiry."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import PrescreenQuestionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import PrescreenQuestion, Sex, Site
from trials.prescreen import prescreen_answers_from_session, prescreen_evaluate

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
ECOG = ["0 – fully active", "1 – light work only", "2 – up and about, no work"]


def verdicts(trial, answers) -> list[str]:
    return [
        finding.verdict for finding in prescreen_evaluate(trial=trial, answers=answers).findings
    ]


def test_it_judges_a_yes_no_question():
    question = PrescreenQuestionFactory(qualifying_answer="no")
    trial = question.trial
    assert verdicts(trial, {str(question.pk): "no"})[-1] == "met"
    assert verdicts(trial, {str(question.pk): "yes"})[-1] == "not_met"
    assert verdicts(trial, {str(question.pk): "unsure"})[-1] == "unknown"
    assert verdicts(trial, {})[-1] == "unknown"


def test_it_judges_a_number_question_against_an_open_ended_range():
    question = PrescreenQuestionFactory(
        kind="number", qualifying_answer="", minimum=Decimal("30.01"), maximum=None
    )
    trial, key = question.trial, str(question.pk)
    assert verdicts(trial, {key: "45"})[-1] == "met"
    assert verdicts(trial, {key: "30"})[-1] == "not_met"
    assert verdicts(trial, {key: "30,5"})[-1] == "met"
    assert verdicts(trial, {key: "about forty"})[-1] == "unknown"
    findings = prescreen_evaluate(trial=trial, answers={key: "40", "age": "100"}).findings
    assert [f.answer for f in findings] == ["100 years", "40"]
    question.minimum, question.maximum = None, Decimal("5")
    question.save()
    assert verdicts(trial, {key: "5"})[-1] == "met"
    assert verdicts(trial, {key: "6"})[-1] == "not_met"


def test_it_judges_a_single_choice_question():
    question = PrescreenQuestionFactory(
        kind="choice", qualifying_answer="", choices=ECOG, qualifying_choices=ECOG[:2]
    )
    trial, key = question.trial, str(question.pk)
    assert verdicts(trial, {key: ECOG[1]})[-1] == "met"
    assert verdicts(trial, {key: ECOG[2]})[-1] == "not_met"
    assert verdicts(trial, {key: "something else"})[-1] == "unknown"


def test_it_checks_age_from_the_trials_own_limits():
    trial = TrialFactory(minimum_age_days=18 * 365, maximum_age_days=80 * 365)
    assert verdicts(trial, {"age": "17"}) == ["not_met"]
    assert verdicts(trial, {"age": "18"}) == ["met"]
    assert verdicts(trial, {"age": "80"}) == ["met"]
    assert verdicts(trial, {"age": "81"}) == ["not_met"]
    finding = prescreen_evaluate(trial=trial, answers={"age": "81"}).findings[0]
    assert finding.reason == "This study is for people aged 18-80 years."


def test_it_checks_sex_only_when_the_trial_is_for_one_sex():
    everyone = TrialFactory(sex=Sex.ALL, minimum_age_days=None, maximum_age_days=None)
    assert verdicts(everyone, {"sex": "male"}) == []
    women = TrialFactory(sex=Sex.FEMALE, minimum_age_days=None, maximum_age_days=None)
    assert verdicts(women, {"sex": "female"}) == ["met"]
    assert verdicts(women, {"sex": "male"}) == ["not_met"]
    assert verdicts(women, {}) == ["unknown"]


def test_the_model_refuses_a_question_nobody_could_pass():
    from django.core.exceptions import ValidationError

    trial = TrialFactory()
    question = PrescreenQuestion(
        trial=trial, text="?", kind="choice", choices=ECOG, qualifying_choices=["5"]
    )
    with pytest.raises(ValidationError):
        question.full_clean()


def verdict_of(question, answer) -> str:
    findings = prescreen_evaluate(trial=question.trial, answers={str(question.pk): answer}).findings
    return next(f.verdict for f in findings if f.question == question.text)


def answer_form(question, answer, age="45") -> dict:
    return {"age": age, f"q{question.pk}": answer}


def test_it_shows_may_not_meet_with_the_reason_after_a_full_page_round_trip(client):
    question = PrescreenQuestionFactory()
    trial = question.trial
    SiteFactory(trial=trial, is_primary_contact=True)
    url = reverse("trials:prescreen", args=[trial.nct_id])

    response = client.post(url, answer_form(question, "yes"))

    assert response.status_code == 302
    assert response["Location"] == trial.get_absolute_url() + "#prescreen"
    text = page_text(client.get(response["Location"]))
    assert "You may not meet these criteria" in text
    assert "People who are pregnant or breastfeeding cannot take part." in text
    assert "(From the criteria: “Pregnant or breastfeeding;”)" in text
    assert "Only the study team can decide whether you can take part." in text
    # It never blocks contacting the site.
    assert "Contact the study team" in text
    assert "Get in touch with the nearest study center" in text


def test_it_answers_htmx_with_the_box_alone(client):
    question = PrescreenQuestionFactory()
    trial = question.trial
    url = reverse("trials:prescreen", args=[trial.nct_id])

    response = client.post(url, answer_form(question, "no"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card prescreen-card')
    text = page_text(html)
    assert "You may be eligible" in text
    assert "Only the study team can decide whether you can take part." in text
    # The patient's answers stay filled in.
    assert f'name="q{question.pk}" id="prescreen-q{question.pk}-no" value="no" checked' in html


def test_it_forgets_the_answers_when_asked(client):
    question = PrescreenQuestionFactory()
    url = reverse("trials:prescreen", args=[question.trial.nct_id])
    client.post(url, answer_form(question, "yes"))
    client.post(url, {"clear": "1"})
    text = page_text(client.get(question.trial.get_absolute_url()))
    assert "You may not meet these criteria" not in text
    assert "Could this trial be for you?" in text


def test_a_trial_without_questions_or_limits_shows_no_prescreen(client):
    trial = TrialFactory(sex=Sex.ALL, minimum_age_days=None, maximum_age_days=None)
    assert "Could this trial be for you?" not in page_text(client.get(trial.get_absolute_url()))


def test_it_returns_no_prescreen_for_an_unpublished_trial(client):
    question = PrescreenQuestionFactory(trial=TrialFactory(published=False))
    url = reverse("trials:prescreen", args=[question.trial.nct_id])
    response = client.post(url, answer_form(question, "no"))
    assert response.status_code == 404
    assert "We could not find that page" in page_text(response)


def test_the_saved_answers_are_ready_for_an_inquiry(client):
    question = PrescreenQuestionFactory()
    trial = question.trial
    assert prescreen_answers_from_session(client.session, trial) == []
    client.post(reverse("trials:prescreen", args=[trial.nct_id]), answer_form(question, "yes"))

    answers = prescreen_answers_from_session(client.session, trial)

    assert answers == [
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
    assert prescreen_answers_from_session(client.session, TrialFactory()) == []


def seed_trial(nct_id: str):
    record = json.loads((DATA / f"{nct_id}.json").read_text())["protocolSection"]
    criteria = record["eligibilityModule"]["eligibilityCriteria"]
    return TrialFactory(nct_id=nct_id, eligibility_criteria=criteria)


def test_the_seed_questions_quote_their_trials_criteria_verbatim():
    trials = [seed_trial("NCT06760221"), seed_trial("NCT06987370")]

    call_command("load_prescreen", str(DATA / "prescreen.json"))

    for trial in trials:
        questions = list(trial.prescreen_questions.all())
        assert len(questions) >= 5
        for question in questions:
            assert question.criterion in trial.eligibility_criteria
    criteria = {
        q.trial.nct_id: q.criterion for q in PrescreenQuestion.objects.filter(kind="choice")
    }
    assert "performance status 0 or 1" in criteria["NCT06760221"]
    assert criteria["NCT06987370"] == "ECOG PS 0-2;"
    mass = PrescreenQuestion.objects.get(trial=trials[1], kind="number", minimum__isnull=False)
    assert verdict_of(mass, "30") == "not_met"
    assert verdict_of(mass, "31") == "met"


def test_loading_the_seed_questions_again_changes_nothing_and_skips_absent_trials(capsys):
    trial = seed_trial("NCT06760221")
    call_command("load_prescreen", str(DATA / "prescreen.json"))
    first = list(trial.prescreen_questions.values_list("pk", "text"))
    question = trial.prescreen_questions.first()
    question.text = "Edited by staff"
    question.save()

    call_command("load_prescreen", str(DATA / "prescreen.json"))

    output = capsys.readouterr().out
    assert "NCT06987370: not in the database, skipped" in output
    assert "NCT06760221: already has questions, kept" in output
    assert trial.prescreen_questions.count() == len(first)
    assert trial.prescreen_questions.filter(text="Edited by staff").exists()
    call_command("load_prescreen", str(DATA / "prescreen.json"), "--replace")
    assert list(trial.prescreen_questions.values_list("pk", "text")) == first


def test_the_answers_travel_with_the_inquiry_into_the_site_email(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    from trials.models import Inquiry

    question = PrescreenQuestionFactory()
    trial = question.trial
    SiteFactory(trial=trial, is_primary_contact=True, contact_email="site@hospital.example")
    client.post(reverse("trials:prescreen", args=[trial.nct_id]), answer_form(question, "yes"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("trials:contact", args=[trial.nct_id]),
            {
                "first_name": "Mei",
                "last_name": "Chen",
                "email": "mei@example.com",
                "phone": "+86 131 2345 6789",
                "consent": "on",
                "health_consent": "on",
            },
        )

    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert [a["verdict"] for a in inquiry.prescreen_answers] == ["met", "not_met"]
    site_email = next(m for m in mailoutbox if m.to == ["site@hospital.example"])
    for body in (site_email.body, site_email.alternatives[0][0]):
        assert "Are you pregnant or breastfeeding?" in body
        assert "Pregnant or breastfeeding;" in body
        assert "How old are you?" in body
        assert "45 years" in body


def test_staff_edit_the_questions_on_the_trials_admin_page(admin_client):
    question = PrescreenQuestionFactory(text="Can you lie flat?")
    response = admin_client.get(reverse("admin:trials_trial_change", args=[question.trial.pk]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Pre-screening questions" in text
    assert 'value="Can you lie flat?"' in response.content.decode()


@pytest.mark.parametrize("answer", ["1e9999999", "1e999999", "-1e7"])
def test_it_takes_a_number_no_person_would_answer_as_not_given(client, answer):
    question = PrescreenQuestionFactory(kind="number", minimum=0, maximum=2)
    trial = question.trial

    response = client.post(
        reverse("trials:prescreen", args=[trial.nct_id]),
        {f"q{question.pk}": answer, "age": answer[:8]},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert len(response.content) < 50_000
    assert verdicts(trial, {str(question.pk): answer})[-1] == "unknown"


def test_it_reads_a_number_with_a_few_decimals_and_no_more():
    question = PrescreenQuestionFactory(kind="number", minimum=0, maximum=2)
    findings = prescreen_evaluate(trial=question.trial, answers={str(question.pk): "0E-9999999"})
    assert (findings.findings[-1].answer, findings.findings[-1].verdict) == ("0", "met")
    findings = prescreen_evaluate(trial=question.trial, answers={str(question.pk): "1,9999"})
    assert findings.findings[-1].verdict == "met"


def test_it_reads_the_answers_through_a_form_that_trims_and_never_refuses(client):
    question = PrescreenQuestionFactory()
    trial = question.trial
    url = reverse("trials:prescreen", args=[trial.nct_id])
    data = {"age": "  45  ", "sex": "female", f"q{question.pk}": " no " + "x" * 500}
    client.post(url, data)
    saved = client.session[f"prescreen:{trial.pk}"]
    assert saved["age"] == "45"
    assert saved[str(question.pk)] == ("no " + "x" * 500)[:300]

    from trials.forms import PrescreenForm

    form = PrescreenForm({"age": "forty"}, questions=[question])
    assert form.is_valid()
    assert form.answers() == {"age": "forty", "sex": "", str(question.pk): ""}


def test_the_shipped_chinese_sites_read_their_emails_in_chinese_until_staff_choose_otherwise():
    call_command("import_trials", *sorted(str(p) for p in DATA.glob("NCT*.json")), verbosity=0)
    call_command("load_prescreen", str(DATA / "prescreen.json"), verbosity=0)

    sites = Site.objects.filter(trial__nct_id__in=["NCT06760221", "NCT06987370"])
    assert sites.count() == 2
    assert set(sites.values_list("email_language", flat=True)) == {"zh-hans"}

    sites.update(email_language="en")
    call_command("load_prescreen", str(DATA / "prescreen.json"), verbosity=0)
    assert set(sites.values_list("email_language", flat=True)) == {"en"}
