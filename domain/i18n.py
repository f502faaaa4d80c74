"""Every user-facing text, in English and Bahasa Indonesia: the catalogue and its machinery.

The texts are data, in ``domain/catalog/*.toml`` (shipped with the package); this module
loads them into ``CATALOG`` and ``PLURALS`` and fills them. ``t(lang, key, **params)`` fills a
template. Parameters are HTML-escaped unless they are
``Html`` (already-safe markup) or ``Msg`` (another catalogue entry, rendered in the same
language), so user text can never become markup; whole numbers are grouped as the language
writes them ("1,000" / "1.000"). A test checks that every entry exists in both languages with
the same placeholders; another holds the Indonesian to the glossary in ``docs/glossary.md``;
a third that every key the code names is in the catalogue, and every catalogue key is named.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from html import escape
from importlib.resources import files
from typing import Any, Protocol, runtime_checkable

from babel import Locale
from babel.numbers import format_decimal

LANGUAGES = ("en", "id")
DEFAULT_LANGUAGE = "en"
# Each language by its name, in the reader's language ("bahasa Inggris").
LANGUAGE_NAME = {"en": "language_en", "id": "language_id"}


class Html(str):
    """Markup that is already safe: inserted into a template as it is."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Msg:
    """A catalogue entry to render later, in whatever language the chat reads."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    as_code: bool = False  # shown as monospace: usage lines and examples

    def render(self, lang: str) -> str:
        text = t(lang, self.key, **self.params)
        return f"<code>{text}</code>" if self.as_code else text


def msg(key: str, /, **params: Any) -> Msg:
    return Msg(key, params)


def code_msg(key: str, /, **params: Any) -> Msg:
    """A usage line or an example from the catalogue, monospace, in the reader's language."""
    return Msg(key, params, as_code=True)


def code(text: str) -> Html:
    """User or example text shown as monospace, escaped."""
    return Html(f"<code>{escape(text)}</code>")


def language(value: str | None) -> str:
    """A supported language for a Telegram ``language_code`` or a setting (``id-ID`` → ``id``)."""
    if value:
        prefix = value.lower().split("-")[0].split("_")[0]
        if prefix in LANGUAGES:
            return prefix
    return DEFAULT_LANGUAGE


def _is_id(name: str) -> bool:
    """``id``, ``user_id``, ``chat_id``…: a number that names something is never grouped."""
    return name == "id" or name.endswith("_id")


@cache
def _plural_rule(lang: str) -> Callable[[float], str]:
    return Locale.parse(lang).plural_form


def plural_category(lang: str, count: float) -> str:
    """CLDR's plural category of ``count`` in ``lang`` ("one", "other", ...), from Babel."""
    return _plural_rule(lang)(abs(count))


@runtime_checkable
class Localized(Protocol):
    """A parameter rendered in the chat's language when the message is (``Msg``, a date)."""

    def render(self, lang: str) -> str: ...


def t(lang: str, key: str, /, **params: Any) -> str:
    plural = PLURALS.get(key)
    if plural is None:
        template = CATALOG[key][1 if lang == "id" else 0]
    else:
        count_param, *forms = plural
        by_category = forms[1 if lang == "id" else 0]
        category = plural_category(lang, params[count_param])
        template = by_category.get(category, by_category["other"])
    safe: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Localized):
            safe[name] = value.render(lang)
        elif isinstance(value, int) and not isinstance(value, bool) and not _is_id(name):
            # Counts and limits: "1,000 reports" / "1.000 laporan"; never an id ("user 1001").
            safe[name] = format_decimal(value, format="#,##0", locale=lang)
        elif isinstance(value, Html | float):
            safe[name] = value
        elif isinstance(value, str):
            safe[name] = escape(value)
        else:
            safe[name] = escape(str(value))
    return template.format(**safe)


# The catalogue, loaded once at import from the data files beside this module.
Catalog = dict[str, tuple[str, str]]
# Messages with a count: key → (the count's parameter, English forms, Indonesian forms), each
# form keyed by its CLDR plural category as Babel names it ("one", "other").
Plurals = dict[str, tuple[str, dict[str, str], dict[str, str]]]


def _texts(where: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"{where}: expected texts, got {value!r}")
    return value


def load_catalog() -> tuple[Catalog, Plurals]:
    """Every message of ``domain/catalog/*.toml``. A key in two files, a language missing or
    an unknown field is an error here, at import, not a surprise in a reply."""
    catalog: Catalog = {}
    plurals: Plurals = {}
    folder = files("domain").joinpath("catalog")
    for name in sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".toml")):
        data = tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        for key, entry in data.items():
            where = f"domain/catalog/{name}: {key}"
            if key in catalog or key in plurals:
                raise ValueError(f"{where}: the key is already in the catalogue")
            if not isinstance(entry, dict) or set(entry) - {"count", *LANGUAGES}:
                raise ValueError(f"{where}: expected en, id (and count), got {entry!r}")
            count = entry.get("count")
            if count is None:
                texts = _texts(where, {lang: entry.get(lang) for lang in LANGUAGES})
                catalog[key] = (texts["en"], texts["id"])
            else:
                en, id_ = (_texts(where, entry.get(lang)) for lang in LANGUAGES)
                plurals[key] = (str(count), en, id_)
    return catalog, plurals


CATALOG, PLURALS = load_catalog()
