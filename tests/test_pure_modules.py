"""The arithmetic in reckoning/ stays free of any framework, so it can be read and tested on its own."""
import subprocess
import sys
from pathlib import Path

import pytest

import reckoning

PURE_MODULES = sorted(f"reckoning.{path.stem}" for path in Path(reckoning.__file__).parent.glob("*.py")
                      if path.stem != "__init__")


def test_the_pure_modules_are_the_ones_the_house_names():
    assert PURE_MODULES == ["reckoning.choices", "reckoning.deadlines", "reckoning.penalties",
                            "reckoning.reminder_policy", "reckoning.standing"]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_importing_it_loads_no_framework_and_no_app(module):
    # A fresh interpreter: whatever the module pulls in shows up in sys.modules.
    probe = (
        f"import sys, {module}\n"
        "roots = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(roots & {'django', 'celery', 'kombu', 'simple_history', 'environ',\n"
        "                      'dealdesk', 'deals', 'parties', 'instruments', 'obligations'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=Path(reckoning.__file__).parent.parent)
    assert result.stdout.strip() == "[]"
