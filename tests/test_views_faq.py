"""The FAQ page (seeded by a data migration) and the privacy notice."""

import pytest
from django.urls import reverse

from tests.page_text import page_text
from trials.models import FaqEntry

pytestmark = pytest.mark.django_db

SEEDED_QUESTIONS = [
    "What is a clinical trial?",
    "Why should I take part in a clinical trial?",
    "How long does a clinical trial take place?",
    "Do I get compensated for taking part in clinical trials?",
    "How safe are clinical trials?",
]


def test_the_migration_seeds_the_five_questions_in_order():
    entries = FaqEntry.objects.published()
    assert [entry.question for entry in entries] == SEEDED_QUESTIONS
    assert [entry.order for entry in entries] == [1, 2, 3, 4, 5]
    assert all(len(entry.answer) > 100 for entry in entries)


def test_it_lists_the_published_questions_with_their_answers(client):
    response = client.get(reverse("trials:faq"))
    assert response.status_code == 200
    text = page_text(response)
    positions = [text.index(question) for question in SEEDED_QUESTIONS]
    assert positions == sorted(positions)
    assert "An ethics committee must approve this plan before the trial can start." in text
    # Answers are our own words, not the source page's.
    assert "paving the way for new, innovative healthcare solutions" not in text


def test_it_works_without_javascript(client):
    html = client.get(reverse("trials:faq")).content.decode()
    assert html.count('<details class="faq-item"') == 5
    assert "<summary" in html


def test_it_hides_unpublished_entries(client):
    FaqEntry.objects.create(question="A draft question?", answer="Not ready.", published=False)
    assert "A draft question?" not in page_text(client.get(reverse("trials:faq")))


def test_the_privacy_page_explains_what_happens_to_contact_details(client, settings):
    settings.CONTACT_EMAIL = "privacy@example.org"
    response = client.get(reverse("trials:privacy"))
    assert response.status_code == 200
    text = page_text(response)
    # Every recipient, not only the site (tests/test_privacy_health.py has the rest).
    assert "The study team at the study center" in text
    assert "The trial's central contact" in text and "Our own staff" in text
    assert "after you have ticked the box that says you agree" in text
    assert "We send you a copy of your message by email" in text
    assert f"We keep your message for {settings.INQUIRY_RETENTION_DAYS} days" in text
    assert "remove your name, email address, phone number, place" in text
    assert "We never sell them" in text
    assert 'href="mailto:privacy@example.org"' in response.content.decode()


def test_the_footer_links_to_faq_and_privacy(client):
    html = client.get(reverse("trials:faq")).content.decode()
    assert f'href="{reverse("trials:privacy")}"' in html
    assert f'href="{reverse("trials:faq")}" aria-current="page"' in html


def test_the_menu_marks_only_the_page_shown_though_the_header_is_kept_rendered(client):
    # The header is rendered once per language and marked page (sitefragment).
    faq, trials = reverse("trials:faq"), reverse("trials:list")
    for path in [faq, trials, reverse("trials:privacy"), faq]:
        html = client.get(path).content.decode()
        for link in (faq, trials):
            assert (f'href="{link}" aria-current="page"' in html) is (link == path)
