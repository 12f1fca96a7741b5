"""Moments read from PostgreSQL by dealdesk.moments: the very values Django's own loader gives."""
import datetime

import pytest
from django.db import DataError, connection
from psycopg.pq import Format

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a loader of PostgreSQL's moments"),
]

TIMESTAMPTZ = 1184  # PostgreSQL's type oid


def read(text: str, *, by_django: bool = False) -> datetime.datetime:
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        if by_django:  # the loader Django registers, on this cursor only
            register_tzloader(connection.timezone, cursor.cursor)
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


def test_the_desk_s_connections_read_moments_with_python_s_parser():
    connection.ensure_connection()

    assert connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT).__name__ == "UtcMomentLoader"


@pytest.mark.parametrize("text", [
    "2005-06-01 10:00:00+00",
    "2005-06-01 10:00:00.5+00",
    "2005-06-01 23:59:59.999999+00",
    "2005-06-01 10:00:00-04",  # said in another zone: PostgreSQL sends it in the session's, UTC
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
])
def test_a_moment_reads_as_django_reads_it(text):
    ours, django_s = read(text), read(text, by_django=True)

    assert (ours, repr(ours)) == (django_s, repr(django_s))
    assert ours.tzinfo is datetime.timezone.utc


def test_a_session_in_another_zone_is_left_to_django_s_loader():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Asia/Kolkata'")  # until the test's transaction ends

    assert read("2005-06-01 10:00:00+00") == read("2005-06-01 10:00:00+00", by_django=True)


def test_a_moment_python_cannot_read_fails_as_with_django_s_loader():
    for by_django in (True, False):
        with pytest.raises(DataError, match="BC"):
            read("0044-03-15 12:00:00+00 BC", by_django=by_django)
