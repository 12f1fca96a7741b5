"""The import contract (pyproject.toml) holds, and it would catch a lower layer importing a higher one."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["dealdesk", "obligations", "closings", "instruments", "parties", "deals", "reckoning"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # A wide terminal, so no contract name or message is wrapped.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "250"})


@pytest.fixture
def copy_of_the_house(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_house_keeps_its_contract(copy_of_the_house):
    result = lint_imports(copy_of_the_house)

    assert result.returncode == 0, result.stdout
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "complaint"),
    [
        ("deals/models.py", "import obligations.models", "deals is not allowed to import obligations:"),
        ("parties/models.py", "from instruments import models", "parties is not allowed to import instruments:"),
        ("obligations/models.py", "import dealdesk.roles", "obligations is not allowed to import dealdesk:"),
        ("reckoning/deadlines.py", "import deals.models", "reckoning is not allowed to import deals:"),
        ("reckoning/penalties.py", "import django.db", "reckoning is not allowed to import django:"),
    ],
)
def test_a_lower_layer_importing_a_higher_one_breaks_it(copy_of_the_house, module, upward_import, complaint):
    path = copy_of_the_house / module
    path.write_text(f"{upward_import}  # noqa\n" + path.read_text())

    result = lint_imports(copy_of_the_house)

    assert result.returncode == 1
    assert complaint in result.stdout.splitlines(), result.stdout
