"""``pantau verify``'s short way refuses what it cannot prove: tampering that keeps every link
of the chain (the hashes rewritten after it) or that no row-backed event shows still sends the
chain event by event through the slow path, which names it, on one connection and on several."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, text

from benchmarks.verify import seed_chain
from domain import trail
from domain.trail import Kind
from storage import verify
from storage.db import session_scope
from storage.models import Evidence, TrackerEvent

EVENTS = 30


@pytest.fixture(params=["one connection", "other connections"])
def connections(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "other connections":
        monkeypatch.setattr(verify, "PARALLEL_FROM", 1)
        monkeypatch.setattr(verify, "_parts", lambda: 2)
    return str(request.param)


pytestmark = [pytest.mark.tampers, pytest.mark.usefixtures("connections")]


def _result(engine: Engine) -> verify.ChainResult:
    with session_scope(engine, readonly=True) as session:
        (result,) = list(verify.verify(session, keep_hashes=True))
    return result


def _rehash(engine: Engine) -> None:
    """Rewrite every hash from the texts as they now are: what someone who knows the format
    does after changing the trail, so that every link holds again."""
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT id, canonical FROM tracker_event ORDER BY seq")
        ).all()
        previous = trail.GENESIS
        for event_id, canonical in rows:
            previous = trail.chain_hash(previous, canonical)
            connection.execute(
                text("UPDATE tracker_event SET hash = :hash WHERE id = :id"),
                {"hash": previous, "id": event_id},
            )


def test_a_report_recorded_twice_is_named_though_every_link_holds(engine: Engine) -> None:
    seed_chain(engine, EVENTS)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tracker_event (tracker_id, at, actor_id, kind, chat_id, detail,"
                " seq, report_id, evidence_id, canonical, hash)"
                f" SELECT tracker_id, at, actor_id, kind, chat_id, detail, {EVENTS + 1},"
                f" report_id, evidence_id, replace(canonical, '\"{trail.FORMAT}\",10,',"
                f" '\"{trail.FORMAT}\",{EVENTS + 1},'), '' FROM tracker_event WHERE seq = 10"
            )
        )
    _rehash(engine)
    result = _result(engine)
    assert result.problem is not None
    assert result.problem.seq == EVENTS + 1
    assert "report of report #10: report #10 is recorded twice" in str(result.problem)


def test_an_event_deleted_is_named_though_every_link_holds(engine: Engine) -> None:
    seed_chain(engine, EVENTS)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM tracker_event WHERE seq = 12"))
    _rehash(engine)
    result = _result(engine)
    assert result.problem is not None
    assert result.problem.seq == 13
    assert "expected event 12 here, found event 13 (report of report #13): an event was" in str(
        result.problem
    )


def test_a_file_added_behind_its_back_is_named(engine: Engine) -> None:
    seed_chain(engine, EVENTS)
    now = datetime(2024, 1, 2, tzinfo=UTC)
    with engine.begin() as connection:
        tracker_id = connection.execute(text("SELECT id FROM tracker")).scalar_one()
        connection.execute(
            insert(Evidence),
            [
                {
                    "tracker_id": tracker_id,
                    "report_id": 3,
                    "file_id": "f",
                    "file_unique_id": "u",
                    "name": "proof.pdf",
                    "added_by": 1001,
                    "added_at": now,
                    "chat_id": -100,
                    "message_id": 9_999,
                }
            ],
        )
    result = _result(engine)
    assert result.problem is not None
    assert result.problem.seq is None
    assert "evidence #1 has no event (inserted directly?)" in str(result.problem)


def test_an_event_without_a_row_is_rebuilt_and_a_change_to_its_columns_named(
    engine: Engine,
) -> None:
    seed_chain(engine, EVENTS)
    at = datetime(2024, 1, 2, tzinfo=UTC)
    with engine.begin() as connection:
        tracker_id, last = connection.execute(
            text(f"SELECT tracker_id, hash FROM tracker_event WHERE seq = {EVENTS}")
        ).one()
        canonical = trail.canonical(
            seq=EVENTS + 1,
            kind=Kind.ROLE_GIVEN,
            at=at,
            actor_id=1,
            chat_id=-100,
            detail=None,
            subject={"role": "reporter", "user_id": 4242},
        )
        head = trail.chain_hash(last, canonical)
        connection.execute(
            insert(TrackerEvent),
            [
                {
                    "tracker_id": tracker_id,
                    "at": at,
                    "actor_id": 1,
                    "kind": Kind.ROLE_GIVEN,
                    "chat_id": -100,
                    "detail": None,
                    "seq": EVENTS + 1,
                    "report_id": None,
                    "evidence_id": None,
                    "canonical": canonical,
                    "hash": head,
                }
            ],
        )
    intact = _result(engine)
    assert intact.problem is None
    assert (intact.count, intact.head) == (EVENTS + 1, head)
    assert intact.hashes[-1] == head
    assert len(intact.hashes) == EVENTS + 1
    with engine.begin() as connection:
        connection.execute(
            text(f"UPDATE tracker_event SET actor_id = 999 WHERE seq = {EVENTS + 1}")
        )
    result = _result(engine)
    assert result.problem is not None
    assert result.problem.seq == EVENTS + 1
    assert "role_given: the event row no longer says what its hash covers: actor_id: 1 in the" in (
        str(result.problem)
    )


NOTES = [
    None,
    'a "quoted" note',
    "back\\slash \\n not a line break",
    "two\nlines\r\nand a\ttab",
    "non-ASCII: selesai 100% ✓ → 🚀, é, \u2028",
    "",
    "null",
    '{"percent":90}',
]


def test_notes_of_every_kind_prove_the_chain_intact_the_short_way(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_chain(engine, EVENTS, notes=NOTES)

    def never(*_args: object, **_kwargs: object) -> verify.ChainResult:
        raise AssertionError("the chain went through the slow path")

    monkeypatch.setattr(verify, "_explained", never)
    result = _result(engine)
    assert result.problem is None
    assert result.count == EVENTS


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("statement", "named"),
    [
        pytest.param(
            # The text 'null' where no report is named: it must not pass for the null written.
            "UPDATE report SET corrects_id = 'null' WHERE id = 3",
            "report of report #3:",
            id="text-null-in-a-number",
        ),
        pytest.param(
            # A number and then a NUL: SQLite's printf would stop at the NUL.
            "UPDATE tracker_event SET chat_id = '-100' || char(0) || 'x' WHERE seq = 3",
            "chat_id: -100 in the trail, '-100\\x00x' in the row",
            id="nul-after-a-number",
        ),
        pytest.param(
            "UPDATE tracker_event SET actor_id = NULL WHERE seq = 3",
            "actor_id: 1003 in the trail, None in the row",
            id="number-made-null",
        ),
        pytest.param(
            "UPDATE tracker_event SET detail = 'null' WHERE seq = 3",
            "detail: None in the trail, 'null' in the row",
            id="text-null-in-a-null-text",
        ),
    ],
)
def test_a_number_or_null_replaced_by_what_prints_alike_is_named(
    engine: Engine, statement: str, named: str
) -> None:
    seed_chain(engine, EVENTS)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute(statement)
        cursor.execute("PRAGMA foreign_keys = ON")
        raw.commit()
    finally:
        raw.close()
    result = _result(engine)
    assert result.problem is not None
    assert result.problem.seq == 3
    assert named in str(result.problem)
