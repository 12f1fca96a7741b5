"""What every benchmark in bench/ shares: the machine, Django set up on a given database, and the
three measurements (queries, median time, peak memory).

    import common                     # bench/ is on sys.path when a script there runs
    common.setup_django("postgres://postgres@127.0.0.1:5432/dealdesk_bench")
    common.print_header("Nightly sync")   # prints the machine and the command line to reproduce
    with common.count_queries() as queries:
        work()
    print(len(queries), "queries")      # queries is a list of the SQL run
    seconds = common.median_seconds(work, repeats=5)
    peak_bytes = common.peak_memory(work)

Nothing here touches the data: each script decides what it reads or writes.
"""
from __future__ import annotations

import contextlib
import os
import platform
import secrets
import shlex
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def setup_django(database_url: str, **environ: str) -> None:
    """Point Django at `database_url` and set it up (once per process).

    Extra keyword arguments become environment variables read by the settings (e.g.
    DESK_DATE="2026-11-25"). DEBUG stays off unless set. The Celery broker goes to a throwaway
    folder unless one is set, so a benchmark never enqueues into the desk's own queue. Call it
    before importing any model.
    """
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealdesk.settings")
    # DEBUG stays off (it would keep every query in memory); a benchmark signs nothing, so a
    # throwaway key satisfies the settings' check.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="dealdesk-bench-broker-"))
    os.environ.update(environ)
    import django

    django.setup()


def machine() -> dict[str, str]:
    """Cores, RAM, Python, the load average (1, 5, 15 min) and, once Django is set up, the database server's version."""
    facts = {
        "cores": str(os.cpu_count()),
        "ram": _ram(),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        # Figures taken while other work runs are slower: the load says how busy the machine was.
        "load average": "/".join(f"{load:.1f}" for load in os.getloadavg()),
    }
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                facts["database"] = f"PostgreSQL {cursor.fetchone()[0]}"
            else:
                facts["database"] = f"{connection.vendor} {connection.Database.sqlite_version}"
    except Exception:  # Django not set up yet: the header still prints the rest.
        pass
    return facts


def print_header(title: str, reproduce: str | None = None) -> None:
    """Print the title, the machine and the command that reproduces this run.

    `reproduce` defaults to the command line this process was started with.
    """
    print(f"# {title}")
    print("machine: " + ", ".join(f"{key} {value}" for key, value in machine().items()))
    command = reproduce or " ".join(shlex.quote(part) for part in [".venv/bin/python", *sys.argv])
    print(f"reproduce: cd {REPO} && {command}")
    print(f"run at: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")


@contextlib.contextmanager
def count_queries(using: str = "default") -> Iterator[list[str]]:
    """Collect the SQL of every statement run inside the block: `len(queries)` is the count.

    Counts through an execute wrapper, so there is no cap (Django's debug log keeps 9,000) and
    DEBUG stays off; an executemany counts once.
    """
    from django.db import connections

    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(record):
        yield queries


def median_seconds(work: Callable[[], object], *, repeats: int = 5, setup: Callable[[], object] | None = None) -> float:
    """Median wall-clock seconds of `repeats` calls of `work`; `setup` runs untimed before each."""
    timings = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def peak_memory(work: Callable[[], object]) -> int:
    """Peak bytes Python allocated while `work` ran (tracemalloc), in a pass of its own: tracing
    slows Python several times over, so never time the same call."""
    tracemalloc.start()
    try:
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def _ram() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"
