"""The run's clock: the one place housekey reads the wall clock.

Every run describes one day, its *run day*: the day date rules count back from (tags "in the last 90
days", ages, source freshness, the "not in the future" checks) and the business date tag history
opens and closes on. It is ``$HOUSEKEY_AS_OF`` (YYYY-MM-DD) when set, as ``make demo`` and the tests set
it to the sample world's day; otherwise the day the run starts, so a scheduled production run
describes the day it runs for. ``wall_clock()`` is for bookkeeping only (when a run started, how long
a step took); no result in the warehouse depends on it.

It lives in ``schemas`` because every layer needs it and ``schemas`` is the layer everything may import.
"""

from __future__ import annotations

import datetime as dt
import os

AS_OF_ENV = "HOUSEKEY_AS_OF"


def run_day() -> dt.date:
    """The day this run describes: ``$HOUSEKEY_AS_OF`` or, unset, today by the wall clock."""
    value = os.environ.get(AS_OF_ENV)
    if not value:
        return wall_clock().date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{AS_OF_ENV}={value!r} is not a day (YYYY-MM-DD)") from None


def run_day_start() -> dt.datetime:
    """Midnight at the start of the run day: the timestamp tag history opens and closes on."""
    return dt.datetime.combine(run_day(), dt.time())


def wall_clock() -> dt.datetime:
    """Now, in local time without a zone, for bookkeeping; results never depend on it."""
    return dt.datetime.now()


VOLATILE_SQL = frozenset(
    {
        *("now", "today", "current_date", "current_time", "current_timestamp", "transaction_timestamp"),
        *("get_current_time", "get_current_timestamp", "current_setting", "txid_current"),
        *("random", "setseed", "uuid", "gen_random_uuid", "nextval", "currval"),
    }
)
"""SQL functions whose value neither the tables nor the run day fix (the wall clock, settings, chance, sequences):
a rule that calls one gives another answer on another run whatever it reads."""
