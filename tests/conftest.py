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
