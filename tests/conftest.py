import os

import pytest


def pytest_configure(config):
    # CI runs on the real database server; it must fail, not quietly fall back to SQLite.
    if os.environ.get("CI") and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.exit("CI needs DATABASE_URL pointing at PostgreSQL.", returncode=2)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
