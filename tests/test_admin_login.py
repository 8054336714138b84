"""Staff sign-in: a few wrong passwords, then it stops checking for a while."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.page_text import page_text

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def coordinator():
    return User.objects.create_user(
        "coordinator", "coordinator@example.org", "right-pw", is_staff=True
    )


def sign_in(client: Client, password: str, username: str = "coordinator"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def test_the_try_after_the_limit_is_refused_even_with_the_right_password(
    client, coordinator, settings
):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = 3
    settings.ADMIN_LOGIN_LOCKOUT_SECONDS = 900
    for _ in range(3):
        assert "Please enter the correct username" in page_text(sign_in(client, "wrong"))
    response = sign_in(client, "right-pw")
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in page_text(response)
    assert "wait 15 minutes and try again" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_signs_in(client, coordinator, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        sign_in(client, "wrong")
    response = sign_in(client, "right-pw")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)


def test_failures_elsewhere_do_not_lock_a_coordinator_out(coordinator, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = 2
    settings.BEHIND_PROXY = True
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(3):
        sign_in(attacker, "guess")
    assert "Too many failed" in page_text(sign_in(attacker, "right-pw"))
    # The coordinator, behind the same proxy but at their own address, still gets in.
    colleague = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert sign_in(colleague, "right-pw").status_code == 302


def test_one_address_cannot_spray_passwords_over_many_usernames(client, coordinator, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = 1
    for n in range(4):
        sign_in(client, "guess", username=f"user{n}")
    assert "Too many failed" in page_text(sign_in(client, "right-pw"))
