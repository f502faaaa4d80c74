"""The Indonesian catalogue follows docs/glossary.md, which this test reads (the single source)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain import i18n
from domain.i18n import CATALOG

GLOSSARY = Path(__file__).resolve().parent.parent / "docs" / "glossary.md"


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]
    indonesian: tuple[str, ...]


def _table(section: str) -> list[list[tuple[str, ...]]]:
    """Rows of the table under ``## section``: per cell, the texts written in backticks."""
    text = GLOSSARY.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match is not None, f"docs/glossary.md has no section {section!r}"
    rows = []
    for line in match.group(1).splitlines():
        if not line.startswith("|") or set(line) <= {"|", "-", " "}:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        ticked = [tuple(re.findall(r"`([^`]+)`", cell)) for cell in cells]
        if ticked and ticked[0]:  # the header row has no backticks
            rows.append(ticked)
    assert rows, f"the {section!r} table of docs/glossary.md is empty"
    return rows


def _keywords() -> list[str]:
    """The command keywords the glossary leaves untranslated (``add``, ``reporter``, …)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    match = re.search(r"^Not translated:(.*?)\n\n", text, re.M | re.S)
    assert match is not None, "docs/glossary.md says nothing of what is not translated"
    return [word for word in re.findall(r"`([^`]+)`", match.group(1)) if word.isalpha()]


TERMS = [Term(row[0], row[1]) for row in _table("Terms")]
NEVER = [word for row in _table("Never use") for word in row[0]]
NO_ENGLISH = [word for row in _table("No English") for word in row[0]]
KEYWORDS = _keywords()


def _messages() -> dict[str, tuple[str, str]]:
    """Every (English, Indonesian) pair: the catalogue, and each form of a counted message
    (``PLURALS``, when the catalogue has them: every English form against the Indonesian)."""
    pairs = dict(CATALOG)
    for key, (_count, english, indonesian) in getattr(i18n, "PLURALS", {}).items():
        for category, text in english.items():
            pairs[f"{key}[{category}]"] = (text, indonesian.get(category, indonesian["other"]))
    return pairs


MESSAGES = _messages()


def plain(template: str) -> str:
    """A template as the reader sees its words, commands aside: no tags, no placeholders,
    entities decoded."""
    text = without_commands(re.sub(r"\{[a-z_]+\}", " ", template))
    text = re.sub(r"</?[a-z]+>", " ", text)
    return html.unescape(text)


def without_commands(text: str) -> str:
    """Commands and their keywords stay English in every language: ``/grant @x reporter``
    loses ``/grant`` and ``reporter``, from the command to the end of its line or code span."""

    def strip(match: re.Match[str]) -> str:
        words = re.split(r"(\W+)", re.sub(r"/[a-z_]+", " ", match.group(0)))
        return "".join("" if word in KEYWORDS else word for word in words)

    return re.sub(r"/[a-z_]+[^\n]*?(?=</code>|\n|$)", strip, text, flags=re.M)


def _word(form: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w-])")


def never_used(text: str) -> list[str]:
    """Forbidden forms present in ``text``: exactly as written or with a capital first letter."""
    found = []
    for form in NEVER:
        for variant in {form, form[:1].upper() + form[1:]}:
            if _word(variant).search(text):
                found.append(variant)
    return found


def english_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in NO_ENGLISH if _word(word.lower()).search(lowered)]


def test_the_glossary_has_the_terms_the_issue_starts_from() -> None:
    english = {form for term in TERMS for form in term.english}
    for form in ("tracker", "workstream", "deadline", "overall", "on track", "late", "summary"):
        assert form in english
    assert {"alur kerja", "jatuh tempo", "batas waktu", "sesuai jalur", "mandek"} <= set(NEVER)
    assert {"saya", "kenal", "bisa", "punya"} <= set(NEVER)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_no_forbidden_word_in_an_indonesian_message(key: str) -> None:
    indonesian = plain(MESSAGES[key][1])
    assert never_used(indonesian) == [], indonesian


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_no_english_word_in_an_indonesian_message(key: str) -> None:
    indonesian = plain(MESSAGES[key][1])
    assert english_in(indonesian) == [], indonesian


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_each_glossary_term_is_used_where_its_english_twin_is(key: str) -> None:
    english, indonesian = (plain(text) for text in MESSAGES[key])
    english_words = english.lower()
    missing = [
        f"{term.english[0]} → {' / '.join(term.indonesian)}"
        for term in TERMS
        if any(_word(form.lower()).search(english_words) for form in term.english)
        and not any(form.lower() in indonesian.lower() for form in term.indonesian)
    ]
    assert missing == [], f"{english!r} / {indonesian!r}"


def test_indonesian_sentences_start_with_a_capital() -> None:
    """A message that starts a reply starts with a capital (after an emoji or a tag). Names
    ("English" → "bahasa Inggris") are fragments, not sentences: a sentence has three words or
    ends with a stop or a colon."""
    starts = [
        key
        for key, (english, indonesian) in MESSAGES.items()
        if english[:1].isupper()
        and indonesian[:1].islower()
        and (len(english.split()) >= 3 or english.rstrip().endswith((".", ":", "!", "?")))
    ]
    assert starts == []
    after_emoji = re.compile(r"^[^\w<{]+ (?:<b>)?(\w)")
    lower = []
    for key, (english, indonesian) in MESSAGES.items():
        first_en, first_id = after_emoji.match(english), after_emoji.match(indonesian)
        if first_en and first_id and first_en.group(1).isupper() and first_id.group(1).islower():
            lower.append(key)
    assert lower == []
    # …and so does every sentence after the first.
    after_stop = [key for key, (_, id_) in MESSAGES.items() if re.search(r"[.!?] +[a-z]", id_)]
    assert after_stop == []


def test_the_checks_would_catch_the_old_wording() -> None:
    """The rules bite: the texts the issue quotes are refused."""
    assert set(never_used("Saya tidak kenal /foo")) >= {"Saya", "kenal"}
    assert never_used("jatuh tempo hari ini") == ["jatuh tempo"]
    assert set(never_used("Keseluruhan · alur kerja mandek")) == {"alur kerja", "alur", "mandek"}
    assert never_used("bukan id pengguna Telegram") == ["id pengguna"]
    assert never_used("bukan ID pengguna Telegram") == []
    assert english_in(plain("/update &lt;workstream&gt; &lt;persen&gt;")) == ["workstream"]
    assert english_in(plain("<code>/workstream add &lt;kode&gt;</code>")) == []
    assert "reporter" not in plain("Lalu <code>/grant @username reporter</code>.")
