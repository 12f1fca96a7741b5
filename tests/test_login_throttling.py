"""Guessing passwords on the admin login page: five wrong tries lock that user name from that address for 15 minutes."""
import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
LOCKED_OUT = "Account locked: too many login attempts. Please try again later."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every try checks a password; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(django_user_model):
    django_user_model.objects.create_user("finance", "finance@example.com", "right-horse-battery", is_staff=True)
    django_user_model.objects.create_user("auditor", "auditor@example.com", "staple-correct-horse", is_staff=True)


def log_in(client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def fail(client, username: str, times: int) -> list[int]:
    return [log_in(client, username, f"guess {n}").status_code for n in range(times)]


def is_logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_four_wrong_passwords_then_the_right_one_logs_in(client, staff):
    assert fail(client, "finance", 4) == [200, 200, 200, 200]

    response = log_in(client, "finance", "right-horse-battery")

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert is_logged_in(client)


def test_a_successful_login_forgets_the_earlier_wrong_passwords(client, staff):
    fail(client, "finance", 4)
    log_in(client, "finance", "right-horse-battery")
    client.logout()

    statuses = fail(client, "finance", 4)
    response = log_in(client, "finance", "right-horse-battery")

    assert statuses == [200, 200, 200, 200]
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_a_wrong_password_says_so_on_the_login_page(client, staff):
    response = log_in(client, "finance", "guess")

    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account." in response.content.decode()


def test_the_fifth_wrong_password_locks_the_user_name_out(client, staff):
    statuses = fail(client, "finance", 5)

    response = log_in(client, "finance", "right-horse-battery")

    assert statuses == [200, 200, 200, 200, 429]
    assert (response.status_code, response.content.decode()) == (429, LOCKED_OUT)
    assert not is_logged_in(client)


def test_another_user_name_from_the_same_address_is_not_locked(client, staff):
    fail(client, "finance", 5)

    response = log_in(client, "auditor", "staple-correct-horse")

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert is_logged_in(client)


def test_the_same_user_name_from_another_address_is_not_locked(client, staff):
    fail(client, "finance", 5)

    response = client.post(LOGIN, {"username": "finance", "password": "right-horse-battery", "next": "/admin/"},
                           REMOTE_ADDR="192.0.2.7")

    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_the_right_password_works_again_after_the_15_minute_cool_off(client, staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "finance", 5)

    with time_machine.travel(start + datetime.timedelta(minutes=15, seconds=1), tick=False):
        response = log_in(client, "finance", "right-horse-battery")

        assert (response.status_code, response["Location"]) == (302, "/admin/")
        assert is_logged_in(client)


def test_a_try_during_the_lockout_starts_the_15_minutes_again(client, staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "finance", 5)
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        early = log_in(client, "finance", "right-horse-battery")
    with time_machine.travel(start + datetime.timedelta(minutes=15, seconds=1), tick=False):
        still_locked = log_in(client, "finance", "right-horse-battery")

    with time_machine.travel(start + datetime.timedelta(minutes=30, seconds=2), tick=False):
        response = log_in(client, "finance", "right-horse-battery")

        assert [early.status_code, still_locked.status_code] == [429, 429]
        assert (response.status_code, response["Location"]) == (302, "/admin/")
