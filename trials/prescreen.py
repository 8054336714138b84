"""Eligibility pre-screening: a patient's answers checked against a trial's questions.

Only the study team decides who takes part; this tells a patient early whether
they *may* qualify, in plain words, and the answers travel with their inquiry.
Age and sex come from the trial's own fields, not from staff-written questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from trials.models import PrescreenQuestion, Sex, Trial
from trials.translations import translated, translated_choices, translations_add

MET = "met"
NOT_MET = "not_met"
UNKNOWN = "unknown"
# Numbers a patient answers with (ages, counts, scores), whole enough to print.
MAX_ANSWER = Decimal(10**6)
ANSWER_PRECISION = Decimal("0.001")

# Keys of the two questions every pre-screen asks, next to str(question.pk).
AGE = "age"
SEX = "sex"
DAYS_PER_YEAR = 365


def session_key(trial: Trial) -> str:
    return f"prescreen:{trial.pk}"


# Set beside the session when a patient answers a pre-screen; it holds no
# answer and no trial. A trial page reads the session (a database query) only
# for a browser that has it: most visitors with a session cookie (a contact
# form sent, a language chosen, staff) have answered nothing, and their pages
# are the stored ones.
ANSWERED_COOKIE = "tf_prescreen"


def answered_cookie_set(response: HttpResponse) -> None:
    response.set_cookie(
        ANSWERED_COOKIE,
        "1",
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def saved_answers(request: HttpRequest, trial: Trial) -> dict | None:
    """This browser's answers to the trial's pre-screen, None when it has none;
    the session is read only when the browser has answered a pre-screen."""
    if not request.COOKIES.get(ANSWERED_COOKIE):
        return None
    return request.session.get(session_key(trial)) or None


@dataclass(frozen=True)
class Finding:
    """One question, the patient's answer and whether it fits the criterion."""

    question: str
    answer: str
    verdict: str
    criterion: str
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "verdict": self.verdict,
            "criterion": self.criterion,
        }


@dataclass(frozen=True)
class Verdict:
    findings: list[Finding] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return any(f.verdict != UNKNOWN for f in self.findings)

    @property
    def unmet(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == NOT_MET]

    @property
    def unknown(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == UNKNOWN]

    @property
    def may_be_eligible(self) -> bool:
        return self.answered and not self.unmet


def _yes_no_label(value: str) -> str:
    return {"yes": _("Yes"), "no": _("No")}.get(value, _("Not sure"))


def _sex_label(value: str) -> str:
    return {"female": _("Female"), "male": _("Male")}.get(value, _("Not given"))


def _number(value) -> Decimal | None:
    """A number a person would answer, or None.

    "1e9999999" is a finite Decimal, but printing it overflows and
    "1e999999" prints a million digits: answers are ages and counts.
    """
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number.copy_abs() >= MAX_ANSWER:
        return None
    # At most a few decimals: 0E-9999999 is zero, written with a million of them.
    return number.quantize(ANSWER_PRECISION).normalize() + 0


def _plain(number: Decimal) -> str:
    """40, not 4E+1 (what Decimal.normalize() alone would print)."""
    return format(number.normalize(), "f")


def _age_finding(trial: Trial, raw) -> Finding | None:
    if trial.minimum_age_days is None and trial.maximum_age_days is None:
        return None
    question = _("How old are you?")
    criterion = _("Ages: %(range)s") % {"range": trial.age_range_label}
    years = _number(raw)
    if years is None or years < 0:
        return Finding(question, _("Not given"), UNKNOWN, criterion)
    answer = _("%(years)s years") % {"years": _plain(years)}
    # A person stays "80" until their 81st birthday, so the upper bound takes whole years.
    days = int(years) * DAYS_PER_YEAR
    if trial.minimum_age_days is not None and days < trial.minimum_age_days:
        reason = _("This study is for people aged %(range)s.") % {"range": trial.age_range_label}
        return Finding(question, answer, NOT_MET, criterion, reason)
    if trial.maximum_age_days is not None and days > trial.maximum_age_days:
        reason = _("This study is for people aged %(range)s.") % {"range": trial.age_range_label}
        return Finding(question, answer, NOT_MET, criterion, reason)
    return Finding(question, answer, MET, criterion)


def _sex_finding(trial: Trial, raw) -> Finding | None:
    if trial.sex == Sex.ALL:
        return None
    question = _("What is your sex?")
    criterion = _("Sex: %(sex)s") % {"sex": Sex(trial.sex).label}
    value = str(raw or "").lower()
    if value not in ("female", "male"):
        return Finding(question, _sex_label(value), UNKNOWN, criterion)
    if value.upper() != trial.sex:
        # Whole sentences, not a lower-cased label: other languages have no case.
        reason = {
            Sex.FEMALE: _("This study is only for female participants."),
            Sex.MALE: _("This study is only for male participants."),
        }[trial.sex]
        return Finding(question, _sex_label(value), NOT_MET, criterion, reason)
    return Finding(question, _sex_label(value), MET, criterion)


def question_finding(question: PrescreenQuestion, raw) -> Finding:
    """How one staff-written question's answer compares with what qualifies."""
    value = "" if raw is None else str(raw).strip()
    kind = PrescreenQuestion.Kind
    if question.kind == kind.YES_NO:
        answer = _yes_no_label(value.lower())
        if value.lower() not in ("yes", "no"):
            verdict = UNKNOWN
        else:
            verdict = MET if value.lower() == question.qualifying_answer.lower() else NOT_MET
    elif question.kind == kind.NUMBER:
        number = _number(value) if value else None
        answer = _plain(number) if number is not None else _("Not given")
        if number is None:
            verdict = UNKNOWN
        elif question.minimum is not None and number < question.minimum:
            verdict = NOT_MET
        elif question.maximum is not None and number > question.maximum:
            verdict = NOT_MET
        else:
            verdict = MET
    else:
        labels = dict(translated_choices(question, "choices"))
        if value in labels:
            answer = labels[value]
            verdict = MET if value in question.qualifying_choices else NOT_MET
        else:
            answer, verdict = _("Not given"), UNKNOWN
    reason = translated(question, "reason") if verdict == NOT_MET else ""
    return Finding(translated(question, "text"), answer, verdict, question.criterion, reason)


def prescreen_evaluate(
    *, trial: Trial, answers: dict, questions: list[PrescreenQuestion] | None = None
) -> Verdict:
    """Check answers ({"age", "sex", str(question pk): value}) against the trial."""
    if questions is None:
        questions = list(trial.prescreen_questions.all())
    automatic = (_age_finding(trial, answers.get(AGE)), _sex_finding(trial, answers.get(SEX)))
    findings = [finding for finding in automatic if finding is not None]
    findings += [question_finding(q, answers.get(str(q.pk))) for q in questions]
    return Verdict(findings)


def prescreen_save(*, session, trial: Trial, answers: dict) -> Verdict:
    """Keep the patient's answers in their session and return the verdict."""
    verdict = prescreen_evaluate(trial=trial, answers=answers)
    session[session_key(trial)] = {key: str(value) for key, value in answers.items()}
    return verdict


def prescreen_answers_from_session(session, trial: Trial) -> list[dict]:
    """The patient's answers for this trial, ready to store on an inquiry.

    [{"question", "answer", "verdict": "met"/"not_met"/"unknown", "criterion"}],
    or [] when the patient has not answered the pre-screen.
    """
    answers = session.get(session_key(trial))
    if not answers:
        return []
    verdict = prescreen_evaluate(trial=trial, answers=answers)
    if not verdict.answered:
        return []
    return [finding.as_dict() for finding in verdict.findings]


def prescreen_panel(*, session, trial: Trial) -> dict:
    """What the pre-screen box on the trial page shows: questions, answers, verdict."""
    questions = list(trial.prescreen_questions.all())
    saved = session.get(session_key(trial)) or {}
    verdict = prescreen_evaluate(trial=trial, answers=saved, questions=questions) if saved else None
    return {
        "trial": trial,
        "asks_age": trial.minimum_age_days is not None or trial.maximum_age_days is not None,
        "asks_sex": trial.sex != Sex.ALL,
        "age": saved.get(AGE, ""),
        "sex": saved.get(SEX, ""),
        "questions": [
            {
                "question": q,
                "text": translated(q, "text"),
                "choices": translated_choices(q, "choices"),
                "field": f"q{q.pk}",
                "value": saved.get(str(q.pk), ""),
            }
            for q in questions
        ],
        # Staff have not translated some of the questions into the page's language yet.
        "untranslated": any(translated(q, "text").fallback for q in questions),
        "verdict": verdict if verdict is not None and verdict.answered else None,
        "question_count": len(questions)
        + (trial.minimum_age_days is not None or trial.maximum_age_days is not None)
        + (trial.sex != Sex.ALL),
        "sex_options": [("female", _("Female")), ("male", _("Male"))],
        "yes_no_options": [("yes", _("Yes")), ("no", _("No")), ("unsure", _("Not sure"))],
    }


QUESTION_FIELDS = (
    "text",
    "kind",
    "qualifying_answer",
    "minimum",
    "maximum",
    "choices",
    "qualifying_choices",
    "criterion",
    "reason",
    "translations",
)


def prescreen_questions_load(*, trial: Trial, questions: list[dict], replace: bool) -> int:
    """Give a trial the questions of a data file; returns how many were written.

    A trial that already has questions keeps them (staff may have edited them
    in the admin) unless `replace` is set; then question N of the file updates
    the trial's question N, so the patients' saved answers keep pointing at it.
    """
    if trial.prescreen_questions.exists() and not replace:
        _translations_add(trial=trial, questions=questions)
        return 0
    written = 0
    for order, data in enumerate(questions, start=1):
        values = {name: data[name] for name in QUESTION_FIELDS if data.get(name) is not None}
        question = trial.prescreen_questions.filter(order=order).first() or PrescreenQuestion(
            trial=trial, order=order
        )
        for name, value in values.items():
            setattr(question, name, value)
        question.full_clean()
        question.save()
        written += 1
    trial.prescreen_questions.filter(order__gt=len(questions)).delete()
    # The trial page keeps the questions rendered until the trial changes.
    Trial.objects.filter(pk=trial.pk).update(updated_at=timezone.now())
    return written


def _translations_add(*, trial: Trial, questions: list[dict]) -> None:
    """Give kept questions the file's translations in languages they lack yet,
    only where the English still reads as in the file: a question staff have
    rewritten keeps what they wrote."""
    kept = {q.order: q for q in trial.prescreen_questions.all()}
    for order, data in enumerate(questions, start=1):
        question = kept.get(order)
        if question is not None and question.text == data.get("text"):
            translations_add(obj=question, translations=data.get("translations") or {})


def site_names_load(*, trial: Trial, sites: list[dict]) -> int:
    """Names of the trial's sites in other languages, matched by the registry's
    facility name; returns how many sites got one.

    A shipped `email_language` (the language the study team reads) is set
    with the site's first translations only, so a later load never undoes
    what staff chose in the admin.
    """
    by_facility = {site.facility: site for site in trial.sites.all()}
    added = 0
    for data in sites:
        site = by_facility.get(data.get("facility"))
        if site is None:
            continue
        if translations_add(obj=site, translations=data.get("translations") or {}):
            added += 1
            if data.get("email_language"):
                site.email_language = data["email_language"]
                site.save(update_fields=["email_language"])
    return added
