"""Production settings, seen as an operator sees them: `manage.py` run with a given environment."""
from __future__ import annotations

import json
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": KEY,
    "SITE_URL": "https://dealdesk.example.com",
    "ALLOWED_HOSTS": "dealdesk.example.com",
}
# The variables under test; any value this process inherited for them is dropped.
UNDER_TEST = {
    "PYTEST_VERSION", "DEBUG", "SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER",
}
MISSING_KEY = """\
django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set. With DEBUG off, set SECRET_KEY \
in the environment (or in .env beside manage.py) to a long random value of your own, such as the output of
    python -c 'import secrets; print(secrets.token_urlsafe(50))'
For a local run on this machine, set DEBUG=true instead.
"""


def desk(*args: str, **environment: str) -> subprocess.CompletedProcess:
    """Run a desk process as a server would start it: not under pytest, with exactly this environment."""
    env = {name: value for name, value in os.environ.items() if name not in UNDER_TEST}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**env, **environment},
                          capture_output=True, text=True, timeout=120)


def settings_seen(**environment: str) -> dict:
    probe = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
             "n: getattr(s, n) for n in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT',"
             " 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
             " 'SECURE_PROXY_SSL_HEADER']}))")
    result = desk("-c", probe, DJANGO_SETTINGS_MODULE="dealdesk.settings", **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def first_request(path: str, **environment: str) -> tuple[int, str | None]:
    """Status and Location of a plain-http GET, through the whole middleware stack."""
    probe = ("import django; django.setup(); from django.test import Client; "
             f"r = Client().get({path!r}, HTTP_HOST='dealdesk.example.com'); print(r.status_code, r.get('Location'))")
    result = desk("-c", probe, DJANGO_SETTINGS_MODULE="dealdesk.settings", DATABASE_URL="sqlite:///:memory:",
                  **{"ALLOWED_HOSTS": "dealdesk.example.com", **environment})
    assert result.returncode == 0, result.stderr
    status, location = result.stdout.split()
    return int(status), None if location == "None" else location


def test_check_deploy_finds_no_issues_in_a_production_environment():
    result = desk("manage.py", "check", "--deploy", **PRODUCTION)

    # Silenced: the reminders to widen HSTS to subdomains and browser preload lists, which stay
    # the operator's explicit choice (SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD).
    assert (result.returncode, result.stdout, result.stderr) == (0, "System check identified no issues (2 silenced).\n", "")


def test_check_deploy_silences_nothing_once_subdomains_and_preload_are_chosen():
    result = desk("manage.py", "check", "--deploy", **PRODUCTION,
                  SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true")

    assert (result.returncode, result.stdout, result.stderr) == (0, "System check identified no issues (0 silenced).\n", "")


def test_without_a_secret_key_the_desk_refuses_to_start_and_says_what_to_set():
    result = desk("manage.py", "check", **{**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.endswith(MISSING_KEY)


def test_the_placeholder_key_of_env_example_is_refused_as_too_weak():
    result = desk("manage.py", "check", **{**PRODUCTION, "SECRET_KEY": "change-me"})

    assert result.returncode == 1
    assert result.stderr.splitlines()[-3] == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is too weak: it needs 50 or more characters, "
        "5 or more of them different, and not the prefix 'django-insecure-'. With DEBUG off, set SECRET_KEY in "
        "the environment (or in .env beside manage.py) to a long random value of your own, such as the output of"
    )


def test_a_local_debug_run_starts_without_a_key_and_check_deploy_says_it_is_not_for_production():
    result = desk("manage.py", "check", "--deploy", DEBUG="true", SITE_URL="http://127.0.0.1:8000")

    assert result.returncode == 0
    warned = sorted(line.split(")")[0].removeprefix("?: (") for line in result.stderr.splitlines()
                    if line.startswith("?: (security."))
    assert warned == ["security.W004", "security.W008", "security.W009", "security.W012", "security.W016",
                      "security.W018"]


def test_an_https_site_gets_secure_cookies_a_year_of_hsts_for_its_own_host_and_a_redirect():
    assert settings_seen(**PRODUCTION) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_each_https_setting_can_be_set_on_its_own_for_a_proxy_that_terminates_tls():
    assert settings_seen(**PRODUCTION, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="3600",
                         SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true",
                         SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https") == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_a_local_http_site_keeps_plain_cookies_and_no_hsts():
    assert settings_seen(DEBUG="true", SITE_URL="http://127.0.0.1:8000") == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_a_local_http_run_does_not_redirect():
    assert first_request("/", DEBUG="true", SITE_URL="http://127.0.0.1:8000") == (302, "/admin/")


def test_an_https_site_redirects_plain_http_to_https():
    assert first_request("/", **PRODUCTION) == (301, "https://dealdesk.example.com/")


def test_behind_a_proxy_that_says_https_the_request_is_not_redirected():
    probe_env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https"}
    probe = ("import django; django.setup(); from django.test import Client; "
             "r = Client().get('/', HTTP_HOST='dealdesk.example.com', HTTP_X_FORWARDED_PROTO='https'); "
             "print(r.status_code, r.get('Location'), r.get('Strict-Transport-Security'))")
    result = desk("-c", probe, DJANGO_SETTINGS_MODULE="dealdesk.settings", DATABASE_URL="sqlite:///:memory:",
                  **probe_env)

    assert (result.returncode, result.stdout) == (0, "302 /admin/ max-age=31536000\n"), result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (ROOT / "dealdesk" / "settings.py").read_text()))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert read - listed == set()
