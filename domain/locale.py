"""Dates and numbers as each language writes them (Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from domain.i18n import t


@dataclass(frozen=True, slots=True)
class LongDate:
    """``12 April 2024`` rendered in the language of the message it is part of."""

    day: date

    def render(self, lang: str) -> str:
        return escape(fmt_date(self.day, lang))


@dataclass(frozen=True, slots=True)
class MonthYear:
    """``April 2024`` / ``April 2024``, rendered in the language of the message it is part of."""

    year: int
    month: int

    def render(self, lang: str) -> str:
        return escape(format_date(date(self.year, self.month, 1), "MMMM y", locale=lang))


def fmt_date(day: date, lang: str) -> str:
    """``12 April 2024`` in both languages (Indonesian month names in Indonesian)."""
    return format_date(day, "d MMMM y", locale=lang)


def fmt_day(moment: datetime, tz_name: str, lang: str) -> str:
    """``20 Feb`` / ``20 Feb`` (``23 Agu``) in the tracker's timezone."""
    return format_date(moment.astimezone(ZoneInfo(tz_name)).date(), "d MMM", locale=lang)


def fmt_time(moment: datetime, tz_name: str, lang: str, today: date | None = None) -> str:
    """``20 Feb 14:05`` (Indonesian: ``20 Feb 14.05``); the year only when not this year."""
    local = moment.astimezone(ZoneInfo(tz_name))
    clock = "HH.mm" if lang == "id" else "HH:mm"
    pattern = (
        f"d MMM y {clock}" if today is not None and local.year != today.year else f"d MMM {clock}"
    )
    return format_datetime(local, pattern, locale=lang)


# Indonesia's three time zones by the names Indonesians use, in both languages (the tz
# database's other Indonesian name, Asia/Ujung_Pandang, is an alias of Asia/Makassar).
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_label(tz_name: str, lang: str) -> str:
    """``WIB`` / ``WITA`` / ``WIT``; any other zone by its IANA name ("Europe/London time")."""
    return ZONE_NAMES.get(tz_name) or t(lang, "zone_named", zone=tz_name)


def fmt_weekday(day: date, lang: str) -> str:
    """``Monday`` / ``Senin``."""
    return format_date(day, "EEEE", locale=lang)


def fmt_number(value: float, lang: str, *, signed: bool = False) -> str:
    """``1.5`` / ``1,5``; with ``signed`` a leading + for positive values."""
    text = format_decimal(round(value, 1), format="#,##0.#", locale=lang)
    return f"+{text}" if signed and value > 0 else text


def fmt_delta(delta: float) -> str:
    points = round(delta)
    return "±0" if points == 0 else f"{points:+d}"


def days_left_text(deadline: date, today: date, lang: str) -> str:
    left = (deadline - today).days
    if left > 0:
        return t(lang, "days_left", n=left)
    if left == 0:
        return t(lang, "due_today")
    return t(lang, "overdue", n=-left)
