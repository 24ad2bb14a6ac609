"""The day the pages count in is the municipality's: between midnight in Oslo and midnight UTC
a server on UTC still says yesterday, and a caseworker entering today's meeting was told the
date lay in the future."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from app.kit.i18n import local_today
from app.readings.schemas import ReadingCreate


def test_after_midnight_in_oslo_it_is_already_tomorrow() -> None:
    late_evening_utc = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)

    assert local_today(late_evening_utc) == date(2026, 12, 6)
    assert local_today(datetime(2026, 12, 5, 22, 59, tzinfo=UTC)) == date(2026, 12, 5)
    # Summer time: Oslo is two hours ahead.
    assert local_today(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == date(2026, 7, 1)


def test_a_reading_of_today_in_oslo_is_accepted_and_tomorrow_is_not() -> None:
    scores = {"bolig": {"family": 5}}

    ReadingCreate.model_validate({"taken_on": local_today().isoformat(), "scores": scores})
    tomorrow = date.fromordinal(local_today().toordinal() + 1)
    with pytest.raises(ValidationError, match="taken_on"):
        ReadingCreate.model_validate({"taken_on": tomorrow.isoformat(), "scores": scores})
