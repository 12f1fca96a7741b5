"""The desk's arithmetic, free of any framework: due dates, what a miss costs, when to remind.

Nothing here imports Django or an app of the desk (the import contract in
pyproject.toml and tests/test_pure_modules.py keep it so), so every layer may
use it and its tests need no database.
"""
