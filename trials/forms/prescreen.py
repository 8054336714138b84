"""The pre-screen questions as a form: a patient's answers, tidied for
trials.prescreen to judge."""

from __future__ import annotations

from django import forms

from trials.models import PrescreenQuestion
from trials.prescreen import AGE, SEX


class AnswerField(forms.CharField):
    """A free answer, trimmed and cut short. A pre-screen never refuses an
    answer: one it cannot read (a word for an age) is judged "unknown"."""

    def __init__(self, *, keep: int, **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        self.keep = keep

    def to_python(self, value) -> str:
        return super().to_python(value)[: self.keep]


class PrescreenForm(forms.Form):
    age = AnswerField(keep=8)
    sex = AnswerField(keep=8)

    def __init__(self, *args, questions: list[PrescreenQuestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = AnswerField(keep=300)

    def answers(self) -> dict:
        """Keyed as prescreen_evaluate expects: age, sex and each question's id."""
        data = self.cleaned_data
        answers = {AGE: data["age"], SEX: data["sex"]}
        answers.update({str(q.pk): data[f"q{q.pk}"] for q in self.questions})
        return answers
