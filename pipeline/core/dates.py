"""Publication dates: an input's raw date string to one UTC instant, or a reason why not.

Archives give dates in every shape (``2015-07-21 02:51:32``, ``21/07/2015``, ``1437472800``,
``2015-08-01T09:00:00+05:00``, ``10 أغسطس 2015``, ``١٠ آب ٢٠١٥``, ``5 شوال 1436 هـ``), so the parsing is
dateparser's (with hijridate's Umm al-Qura tables for Hijri dates), set up to be offline and
deterministic:

- no relative dates (``yesterday``, ``أمس`` are unparseable, never "the day the run happened"), and
  day, month and year are all required, so nothing is filled in from the clock;
- a numeric date is read day first (``date_order``; SaudiNewsNet's ``date_extracted`` is
  ``YYYY-MM-DD HH:MM:SS``, year first, which every order reads as such);
- a date without a zone is taken in ``default_timezone`` (UTC unless configured: the archive's
  own zone, e.g. Asia/Riyadh, is the user's to say), then converted to UTC;
- a Hijri date is read as Hijri only where it is marked (``هـ`` after the year); with both calendars
  (``... هـ الموافق 21 يوليو 2015``) the Gregorian part is read first; a year outside 1800-2200 (an
  unmarked Hijri ``1436/10/05`` read as Gregorian) is unparseable, not a date;
- the locales are fixed (no language detection), so the same string always gives the same instant.

ISO 8601 goes through ``datetime.fromisoformat`` first (microseconds, where dateparser takes
milliseconds), and results are cached per string.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DATE_ORDERS = ("DMY", "MDY", "YMD", "YDM")

# dateparser's ar-IQ locale reads both the Egyptian/Gulf month names (يوليو، أغسطس) of its base "ar" and
# the Levantine ones (تموز، آب) of Syrian, Lebanese, Jordanian and Iraqi outlets; dateparser allows one
# region per language (ar-DZ would read the Maghreb names instead).
DEFAULT_LOCALES = ("ar-IQ", "en", "fr")

_EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_HIJRI_MARK = re.compile(r"(?<=\d)\s*هـ?(?!\w)")  # 1436هـ, 1436 هـ, 1436 ه
_GREGORIAN_MARK = re.compile(r"(?<=\d{4})\s*م(?!\w)")  # 2015م: dateparser's Arabic locale reads م as p.m.
_BOTH_CALENDARS = "الموافق"  # "5 شوال 1436 هـ الموافق 21 يوليو 2015"
_PLAUSIBLE_YEARS = (1800, 2200)  # outside: a misread (an unmarked Hijri year read as Gregorian), not a date


@dataclass(frozen=True)
class DateSettings:
    """How raw dates are read (section ``dates`` of the config)."""

    default_timezone: str = "UTC"  # zone of a date that names none (an IANA name, e.g. Asia/Riyadh)
    date_order: str = "DMY"  # order of day, month and year in ambiguous numeric dates (21/07/2015)
    locales: tuple[str, ...] = DEFAULT_LOCALES  # dateparser locales for month and day names, tried in order
    cache_size: int = 65_536  # parsed strings kept per worker (dateparser takes ~1-10 ms a string)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"dates.default_timezone={self.default_timezone!r} is invalid: "
                             "allowed an IANA time zone name such as UTC or Asia/Riyadh") from None
        if self.date_order not in DATE_ORDERS:
            raise ValueError(f"dates.date_order={self.date_order!r} is invalid: allowed {' | '.join(DATE_ORDERS)}")
        if isinstance(self.locales, str) or not self.locales:
            raise ValueError("dates.locales: give a non-empty list of dateparser locales, e.g. [ar, en]")
        if isinstance(self.locales, list):
            object.__setattr__(self, "locales", tuple(self.locales))
        from dateparser.languages.loader import LocaleDataLoader

        try:
            LocaleDataLoader().get_locale_map(locales=list(self.locales))
        except ValueError as exc:
            raise ValueError(f"dates.locales: {exc}") from None
        if not isinstance(self.cache_size, int) or isinstance(self.cache_size, bool) or self.cache_size < 0:
            raise ValueError(f"dates.cache_size={self.cache_size!r} is invalid: allowed an integer >= 0")


@dataclass(frozen=True)
class ParsedDate:
    """The UTC instant of a raw date, or None with the reason in ``status``."""

    published_at: datetime | None  # timezone-aware, UTC
    status: str  # parsed, missing (no date given), unparseable
    calendar: str | None = None  # gregorian, hijri, epoch (Unix seconds or milliseconds)


MISSING = ParsedDate(None, "missing")
UNPARSEABLE = ParsedDate(None, "unparseable")


class DateParser:
    """Reads raw date strings under one ``DateSettings``; build one per worker (loading takes ~0.4 s)."""

    def __init__(self, settings: DateSettings = DateSettings()):
        import dateparser

        self.settings = settings
        self._zone = ZoneInfo(settings.default_timezone)
        self._parser = dateparser.DateDataParser(
            locales=list(settings.locales), try_previous_locales=False, use_given_order=True,
            settings={
                "TIMEZONE": settings.default_timezone, "TO_TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True,
                "DATE_ORDER": settings.date_order, "PREFER_LOCALE_DATE_ORDER": False,
                "PARSERS": ["timestamp", "absolute-time"],  # no relative-time, no digit runs read as dates
                "REQUIRE_PARTS": ["day", "month", "year"],
                "RELATIVE_BASE": datetime(2000, 1, 1),  # never shows in a result (all parts required)
            })
        self.parse = functools.lru_cache(maxsize=settings.cache_size)(self._parse)

    def _parse(self, raw: str | None) -> ParsedDate:
        if raw is None or not raw.strip():
            return MISSING
        text = " ".join(raw.translate(_EASTERN_DIGITS).split())
        parsed = self._iso(text) or self._any(text)
        if parsed is None or not _PLAUSIBLE_YEARS[0] <= parsed.published_at.year <= _PLAUSIBLE_YEARS[1]:
            return UNPARSEABLE
        return parsed

    def _iso(self, text: str) -> ParsedDate | None:
        if text.isdigit() or not text[:4].isdigit():  # digits alone are epochs; ISO starts with the year
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return ParsedDate(self._to_utc(moment), "parsed", "gregorian")

    def _any(self, text: str) -> ParsedDate | None:
        parts = [p.strip() for p in text.split(_BOTH_CALENDARS) if p.strip()]
        for part in sorted(parts, key=lambda p: bool(_HIJRI_MARK.search(p))):  # Gregorian parts first
            if _HIJRI_MARK.search(part):
                moment = _hijri(_HIJRI_MARK.sub("", part))
                if moment is not None:
                    return ParsedDate(self._to_utc(moment), "parsed", "hijri")
                continue
            data = self._parser.get_date_data(_GREGORIAN_MARK.sub("", part))
            if data.date_obj is not None:
                calendar = "epoch" if part.isdigit() else "gregorian"
                return ParsedDate(data.date_obj.astimezone(timezone.utc), "parsed", calendar)
        return None

    def _to_utc(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self._zone)
        return moment.astimezone(timezone.utc)


def _hijri(text: str) -> datetime | None:
    """A marked Hijri date (day, month and year all given) as a naive Gregorian datetime."""
    from dateparser.calendars.hijri import HijriCalendar

    try:
        data = HijriCalendar(text).get_date()
    except (ValueError, OverflowError):
        return None
    if data is None or not {"day", "month", "year"} <= set(data["parts"] or ()):
        return None
    return data["date_obj"]
