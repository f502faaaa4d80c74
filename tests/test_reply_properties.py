"""Property: every reply Pantau builds from whatever people type splits into messages that
Telegram accepts — valid HTML, at most 4,096 UTF-16 units, something visible in each — and
loses none of the text on the way.

Notes, titles and names are drawn with line breaks, tag-like text, entities, right-to-left
and zero-width characters, emoji outside the BMP and combining marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.offline import ChatRef, Person, html_to_text
from domain.digest import UNDONE_SHOWN, Figures, render_digest
from domain.forecast import Forecast, Insight, State
from domain.htmltext import split_html, units
from domain.i18n import LANGUAGES
from domain.render import (
    ReportOutcome,
    UndoOutcome,
    render_history,
    render_status,
    render_undo,
    render_update,
    render_workstream_status,
    render_workstreams,
)
from domain.views import ReportView, Snapshot, TrackerView, UndoneReport, WorkstreamView
from tests.helpers import BUDI, OPERATOR, STAFF
from tests.telegram_html import html_problem
from tests.test_faults import FuzzBot

NASTY = [
    "\n", "\n\n", "   ", "<", ">", "&", "&amp;", "&lt;b&gt;", "<b>", "</i>", "<i>x</i>",
    "<a href='x'>", "\u202e", "\u202b", "\u200f", "مرحبا", "שלום", "\u200b", "\u200d",
    "\ufeff", "\u2060", "😀", "👩‍👩‍👧", "🇮🇩", "e\u0301", "\u0000", "\t", "\r\n", "%", "$x$",
]  # fmt: skip
fragment = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


def nasty_text(max_size: int) -> st.SearchStrategy[str]:
    return st.lists(fragment, max_size=60).map(lambda parts: "".join(parts)[:max_size])


notes = st.one_of(st.none(), nasty_text(1000).map(lambda s: s.strip() or None))
titles = nasty_text(200).map(lambda s: " ".join(s.split()) or "untitled")
names = nasty_text(200).map(lambda s: s or "?")

NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
TODAY = date(2024, 3, 1)


@st.composite
def reports(draw: st.DrawFn, key: str = "ws0") -> list[ReportView]:
    count = draw(st.integers(0, 50))
    return [
        ReportView(
            id=n + 1,
            workstream_key=key,
            percent=draw(st.integers(0, 100)),
            note=draw(notes),
            reporter_id=1000 + n,
            reporter_name=draw(names),
            created_at=NOW - timedelta(hours=n),
            retracted_at=NOW if draw(st.integers(0, 4)) == 0 else None,
        )
        for n in range(count)
    ]


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    tracker = TrackerView(
        id=1,
        key="k",
        title=draw(titles),
        regulation=draw(st.one_of(st.none(), titles)),
        deadline=draw(st.dates(date(2000, 1, 1), date(2100, 12, 31))),
        timezone="Asia/Jakarta",
    )
    workstreams = []
    for n in range(draw(st.integers(0, 12))):
        latest = None
        if draw(st.booleans()):
            latest = ReportView(
                id=100 + n,
                workstream_key=f"ws{n}",
                percent=draw(st.integers(0, 100)),
                note=draw(notes),
                reporter_id=7,
                reporter_name=draw(names),
                created_at=NOW - timedelta(days=draw(st.integers(0, 60))),
            )
        workstreams.append(
            WorkstreamView(
                id=n + 1,
                key=f"ws{n}",
                title=draw(titles),
                weight=draw(st.floats(0.5, 1000)),
                latest=latest,
                created_at=NOW - timedelta(days=90),
            )
        )
    return Snapshot(tracker, tuple(workstreams))


forecasts = st.builds(
    Forecast,
    current=st.floats(0, 100),
    pace=st.one_of(st.none(), st.floats(-50, 50)),
    finish=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2110, 12, 31))),
    needed=st.one_of(st.none(), st.floats(0, 1000)),
    state=st.sampled_from(list(State)),
)


def _visible(html: str) -> str:
    return re.sub(r"\s", "", html_to_text(html))


def assert_sendable(html: str) -> None:
    """What Telegram would do with the reply as Pantau sends it: piece by piece."""
    pieces = split_html(html)
    for piece in pieces:
        assert html_problem(piece) is None, (html_problem(piece), piece)
        assert units(piece) <= 4096
        assert html_to_text(piece).strip()
    # Nothing lost, nothing doubled: only line breaks at the cuts (and blank ends) go.
    assert "".join(_visible(p) for p in pieces) == _visible(html)


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Balanced Telegram HTML around escaped hostile text, line breaks inside tags included."""
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            tag = draw(
                st.sampled_from(["b", "i", "code", "s", "u", "a href='https://x.org/?a=1&amp;b'"])
            )
            name = tag.split()[0]
            parts.append(f"<{tag}>{draw(markup(depth + 1))}</{name}>")
        else:
            parts.append(escape(draw(nasty_text(400))))
    return draw(st.sampled_from(["", "\n", "   "])).join(parts)


# Examples are large (up to 40 pieces of up to 400 characters each, nested) and drawing them is
# most of the cost, so each is cut at every limit: 30 of them make about 300 cuts at 200 and 40
# at 1,000, as many as 75 drawn with one limit each did, and more steadily. Hypothesis keeps
# any failing one in .hypothesis/ and tries it first again.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=st.lists(markup(), min_size=1, max_size=40).map("\n".join))
def test_any_balanced_html_splits_into_valid_pieces(html: str) -> None:
    """(The limit must leave room for the tags reopened after a cut plus one character:
    Pantau nests at most two short tags; these three levels need about 70.)"""
    for limit in (200, 1000, 4096):
        pieces = split_html(html, limit)
        for piece in pieces:
            assert html_problem(piece) is None, (html_problem(piece), piece)
            assert units(piece) <= limit
        assert "".join(_visible(p) for p in pieces) == _visible(html)


# Each example is a whole tracker (up to 12 workstreams, 50 reports) of hostile text: 30 of
# them reach every renderer's long, empty and nasty cases.
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(snapshot=snapshots(), history=reports(), lang=st.sampled_from(LANGUAGES))
def test_history_and_workstream_status_always_split_into_sendable_pieces(
    snapshot: Snapshot, history: list[ReportView], lang: str
) -> None:
    ws = WorkstreamView(1, "ws0", "Payments", 1.0, history[0] if history else None)
    assert_sendable(render_history(snapshot.tracker, ws, history, TODAY, lang))
    assert_sendable(render_workstream_status(snapshot.tracker, ws, history[:5], TODAY, lang))


@PROPERTY
@given(
    snapshot=snapshots(),
    whole=forecasts,
    each=st.lists(forecasts, max_size=12),
    undone=st.lists(
        st.builds(
            UndoneReport,
            workstream=titles,
            percent=st.integers(0, 100),
            reporter_name=names,
            created_at=st.just(NOW),
            undone_at=st.just(NOW),
        ),
        max_size=UNDONE_SHOWN + 1,
    ),
    lang=st.sampled_from(LANGUAGES),
)
def test_status_digest_and_lists_always_split_into_sendable_pieces(
    snapshot: Snapshot,
    whole: Forecast,
    each: list[Forecast],
    undone: list[UndoneReport],
    lang: str,
) -> None:
    per = {ws.id: forecast for ws, forecast in zip(snapshot.workstreams, each, strict=False)}
    regressions = tuple((ws.id, 50, 40) for ws in snapshot.workstreams[:3])
    insight = Insight(per, whole, regressions)
    assert_sendable(render_status(snapshot, TODAY, lang, insight))
    previous = Figures(10.0, {ws.key: 5 for ws in snapshot.workstreams[::2]})
    for baseline in (None, previous):
        html = render_digest(
            snapshot,
            baseline,
            today=TODAY,
            now=NOW,
            fallback=NOW,
            lang=lang,
            insight=insight,
            undone=undone,
        )
        assert_sendable(html)
    assert_sendable(render_workstreams(snapshot, lang))
    if snapshot.workstreams:
        ws = snapshot.workstreams[0]
        outcome = ReportOutcome(snapshot, ws, 50, 40.0, note=ws.latest.note if ws.latest else None)
        assert_sendable(render_update(outcome, TODAY, lang))
        if ws.latest is not None:
            assert_sendable(render_undo(UndoOutcome(ws.latest, ws.title, snapshot), TODAY, lang))


# --- through the real application ---------------------------------------------------------


@pytest.fixture(scope="module")
def app_bot(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[FuzzBot]:
    bot = FuzzBot(tmp_path_factory.mktemp("replies"), migrated_sqlite)
    yield bot
    bot.close()


typed_notes = nasty_text(1000).map(lambda s: s.replace("\x00", ""))


# Each example is a dozen commands through the real application (about 0.3 s): the
# renderers' own properties above draw the many cases; this one shows typed text reaches them.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=nasty_text(200),
    first=nasty_text(64).map(lambda s: s.strip() or "X"),
    last=st.one_of(st.none(), nasty_text(64)),
    typed=st.lists(typed_notes, min_size=1, max_size=6),
)
def test_replies_built_from_what_people_typed_are_always_sendable(
    app_bot: FuzzBot, title: str, first: str, last: str | None, typed: list[str]
) -> None:
    h = app_bot.harness
    reporter = Person(BUDI.id, first, last, BUDI.username)

    def say(text: str, sender: Person = OPERATOR, chat: ChatRef = STAFF) -> list[str]:
        messages = app_bot.loop.run_until_complete(h.send_update(text, sender=sender, chat=chat))
        return [m.html for m in messages]

    app_bot.errors.clear()
    replies = say(f"/workstream add payments {title}")
    for n, note in enumerate(typed):
        h.clock.advance(minutes=1)
        replies += say(f"/update payments {n * 10} {note}", sender=reporter)
    for command in ("/history payments 50", "/status", "/status payments", "/digest"):
        replies += say(command)
    replies += say("/undo", sender=reporter)
    assert app_bot.errors == [], [r.getMessage() for r in app_bot.errors]
    for html in replies:
        assert html_problem(html) is None, (html_problem(html), html)
        assert units(html) <= 4096
        assert "Sorry, something went wrong" not in html_to_text(html)


def test_the_property_strategies_reach_the_nasty_cases() -> None:
    """Guard: the drawn text really holds what broke replies (else the property is hollow)."""
    text = "".join(NASTY)
    assert "\n" in text
    assert "<" in text
    assert "&" in text
    assert any(0x590 <= ord(c) <= 0x6FF for c in text)  # right-to-left letters
    assert "\u200b" in text
    assert "\u202e" in text
    assert any(ord(c) > 0xFFFF for c in text)  # two UTF-16 units each
