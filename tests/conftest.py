import io
import os

import pytest


def pytest_configure(config):
    # CI runs on the real servers; a missing one must fail the run, not skip tests quietly.
    if os.environ.get("CI"):
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.exit("CI needs DATABASE_URL pointing at PostgreSQL.", returncode=2)
        if not os.environ.get("REDIS_URL", "").startswith("redis"):
            pytest.exit("CI needs REDIS_URL pointing at Redis.", returncode=2)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# The two sample deals as `manage.py load_sample_deals` loads them (dealdesk/sample_deals/).
SAMPLE_PAA = "Cal-Bay International – Placement Agent Agreement (equity line)"
SAMPLE_SPA = "CalbaTech – Securities Purchase Agreement (10% secured convertible notes)"


@pytest.fixture
def loaded(db):
    from django.core.management import call_command

    call_command("load_sample_deals", stdout=io.StringIO())


@pytest.fixture
def paa(loaded):
    from deals.models import Deal

    return Deal.objects.get(title=SAMPLE_PAA)


@pytest.fixture
def spa(loaded):
    from deals.models import Deal

    return Deal.objects.get(title=SAMPLE_SPA)
