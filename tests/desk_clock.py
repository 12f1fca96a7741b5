"""The desk's clock in tests: a moment of the desk's day (New York), with the clock stopped."""
import datetime
from zoneinfo import ZoneInfo

import time_machine

NEW_YORK = ZoneInfo("America/New_York")


def at(day: str, hour: int = 12, minute: int = 0):
    """Travel to a moment of the desk's day (New York), with the clock stopped."""
    moment = datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=NEW_YORK)
    return time_machine.travel(moment, tick=False)
