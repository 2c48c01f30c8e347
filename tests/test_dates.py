"""pipeline.core.dates: raw date strings of real archives to one UTC instant, offline and deterministic."""
from __future__ import annotations

import socket
from datetime import datetime, timezone

import pytest

from pipeline.config import ConfigError, load_config
from pipeline.core.dates import DateParser, DateSettings


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def parser():
    return DateParser(DateSettings())


@pytest.mark.parametrize("raw,expected,calendar", [
    ("2015-07-21 02:51:32", utc(2015, 7, 21, 2, 51, 32), "gregorian"),  # SaudiNewsNet's date_extracted
    ("2015-08-01T09:00:00+05:00", utc(2015, 8, 1, 4), "gregorian"),  # ISO with an offset
    ("2015-07-21T02:51:32Z", utc(2015, 7, 21, 2, 51, 32), "gregorian"),
    ("21/07/2015", utc(2015, 7, 21), "gregorian"),  # day first
    ("12/07/2015 14:30", utc(2015, 7, 12, 14, 30), "gregorian"),  # ambiguous: day first, not 7 December
    ("21.07.2015", utc(2015, 7, 21), "gregorian"),
    ("1437472800", utc(2015, 7, 21, 10), "epoch"),  # Unix seconds
    ("1437472800123", utc(2015, 7, 21, 10, 0, 0, 123000), "epoch"),  # Unix milliseconds
    ("10 أغسطس 2015", utc(2015, 8, 10), "gregorian"),
    ("١٠ آب ٢٠١٥", utc(2015, 8, 10), "gregorian"),  # Levantine month name, Arabic-Indic digits
    ("10 تموز 2015", utc(2015, 7, 10), "gregorian"),
    ("الثلاثاء 21 يوليو 2015م", utc(2015, 7, 21), "gregorian"),  # م marks the Gregorian year, not p.m.
    ("Tue, 21 Jul 2015 10:00:00 GMT", utc(2015, 7, 21, 10), "gregorian"),
    ("21 juillet 2015", utc(2015, 7, 21), "gregorian"),
    ("5 شوال 1436 هـ", utc(2015, 7, 21), "hijri"),  # Umm al-Qura: 5 Shawwal 1436 = 21 July 2015
    ("١٤٣٦/١٠/٥هـ", utc(2015, 7, 21), "hijri"),
    ("الثلاثاء 5 شوال 1436 هـ الموافق 21 يوليو 2015", utc(2015, 7, 21), "gregorian"),
])
def test_formats_of_real_archives(parser, raw, expected, calendar):
    parsed = parser.parse(raw)
    assert (parsed.status, parsed.published_at, parsed.calendar) == ("parsed", expected, calendar)
    assert parsed.published_at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("raw", [
    "not a date", "yesterday", "أمس", "2015", "August 2015", "1436هـ",  # relative or incomplete: never today's date
    "2015-02-30", "1436/10/05",  # no such day; an unmarked Hijri date is not read as the year 1436
])
def test_unparseable_dates_are_none_not_guesses(parser, raw):
    assert parser.parse(raw).status == "unparseable" and parser.parse(raw).published_at is None


def test_missing_dates(parser):
    assert parser.parse(None).status == parser.parse("  ").status == "missing"


def test_a_date_without_zone_is_read_in_the_configured_zone():
    riyadh = DateParser(DateSettings(default_timezone="Asia/Riyadh"))
    assert riyadh.parse("2015-08-01 10:00").published_at == utc(2015, 8, 1, 7)
    assert riyadh.parse("21/07/2015").published_at == utc(2015, 7, 20, 21)
    assert riyadh.parse("5 شوال 1436 هـ").published_at == utc(2015, 7, 20, 21)
    assert riyadh.parse("2015-08-01T09:00:00+05:00").published_at == utc(2015, 8, 1, 4)  # its own zone wins
    assert riyadh.parse("1437472800").published_at == utc(2015, 7, 21, 10)  # an epoch is absolute


def test_month_first_when_configured():
    assert DateParser(DateSettings(date_order="MDY")).parse("07/12/2015").published_at == utc(2015, 7, 12)


def test_no_network_and_the_same_answer_every_time(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("dateparser tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    raws = ["21/07/2015", "10 أغسطس 2015", "5 شوال 1436 هـ", "1437472800", "not a date"]
    first = [DateParser(DateSettings()).parse(r) for r in raws]
    assert first == [DateParser(DateSettings()).parse(r) for r in raws]


def test_results_are_cached(parser):
    parser.parse("22/07/2015")
    hits = parser.parse.cache_info().hits
    parser.parse("22/07/2015")
    assert parser.parse.cache_info().hits == hits + 1


@pytest.mark.parametrize("override,message", [
    ("dates.default_timezone=Mars/Olympus", "dates.default_timezone"),
    ("dates.date_order=DDMMYY", "dates.date_order"),
    ("dates.locales=[xx-YY]", "dates.locales"),
    ("dates.relative=true", "dates.relative"),
])
def test_bad_date_settings_are_config_errors(override, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_config(overrides=[override])
