"""Vocabularies with labels, defined once in the pure modules and used by the models as field choices."""
from __future__ import annotations

from enum import StrEnum


class Choice(StrEnum):
    """A stored value with the words a person reads for it: `MONTHLY = "monthly", "Each month end"`.

    The models build their field choices from these (`choices=Frequency.choices()`),
    so a value added here is one the database accepts and the arithmetic knows.
    """

    label: str

    def __new__(cls, value: str, label: str) -> Choice:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]
