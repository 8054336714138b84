"""The error pages a patient may meet: not found, too many requests, server error."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.page_text import page_text

pytestmark = pytest.mark.django_db


def test_it_answers_an_unknown_address_with_a_search_box(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in page_text(response)
    assert 'name="q"' in response.content.decode()
    assert "Content-Security-Policy" in response.headers


def test_the_too_many_requests_page_asks_to_wait_and_keeps_the_layout():
    html = render_to_string("429.html", request=RequestFactory().get("/trials/NCT06760221/"))
    text = page_text(html)
    assert "Please wait a moment" in text
    assert "wait a few minutes and try again" in text
    assert '<main id="main"' in html


def test_the_server_error_page_needs_no_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "Something went wrong on our side" in page_text(html)
    assert '<html lang="en">' in html
