"""Tampering with the rows or with the trail is caught, and named, by the verifier and by
`pantau verify`, whether it checks the rows on one connection or on others."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from bot.cli import main
from tests.audit_helpers import history, results, rows_checked_on_other_connections
from tests.helpers import Harness


def _problem(engine: Engine) -> str:
    problems = [str(r.problem) for r in results(engine) if r.problem is not None]
    assert len(problems) == 1, problems
    return problems[0]


TAMPERING = [
    pytest.param(
        "UPDATE report SET percent = 90 WHERE id = 1",
        "report of report #1: percent: 40 in the trail, 90 in the row",
        id="changed-percent",
    ),
    pytest.param(
        "UPDATE report SET note = 'all done' WHERE id = 1",
        "note: 'first pass' in the trail, 'all done' in the row",
        id="changed-note",
    ),
    pytest.param(
        "UPDATE report SET created_at = '2024-02-20 02:00:00.000000' WHERE id = 1",
        "created_at: '2024-02-23T02:00:00.000000Z' in the trail, "
        "'2024-02-20T02:00:00.000000Z' in the row",
        id="changed-time",
    ),
    pytest.param(
        "UPDATE report SET reporter_id = 1003, reporter_name = 'Sari Wulandari' WHERE id = 1",
        "reporter_id: 1002 in the trail, 1003 in the row",
        id="changed-reporter",
    ),
    pytest.param(
        "DELETE FROM report WHERE id = 4",
        "report of report #4: report #4 is missing (deleted?)",
        id="deleted-row",
    ),
    pytest.param(
        "INSERT INTO report (tracker_id, workstream_id, percent, note, reporter_id, "
        "reporter_name, chat_id, message_id, created_at, recorded_at, revision) "
        "SELECT tracker_id, workstream_id, 100, 'done', reporter_id, reporter_name, chat_id, "
        "9999, created_at, recorded_at, 0 FROM report WHERE id = 1",
        "a row: report #5 has no event (inserted directly?)",
        id="inserted-row",
    ),
    pytest.param(
        "UPDATE report SET retracted_at = '2024-02-23 05:00:00.000000' WHERE id = 1",
        "report #1 is marked undone but no event says so",
        id="undone-behind-its-back",
    ),
    pytest.param(
        "UPDATE workstream SET weight = 5 WHERE key = 'sellers'",
        "workstream sellers is (title 'Seller back-end', weight 5.0, archived False) in the "
        "table, (title 'Seller back-end', weight 2.0, archived False) in the trail",
        id="re-weighted-behind-its-back",
    ),
    pytest.param(
        "UPDATE member SET role = 'admin' WHERE user_id = 1002",
        "user 1002's role is 'admin' in the table, 'reporter' in the trail",
        id="role-given-behind-its-back",
    ),
    pytest.param(
        "INSERT INTO member (tracker_id, user_id, role) VALUES (1, 4242, 'admin')",
        "user 4242's role is 'admin' in the table, None in the trail",
        id="member-inserted",
    ),
    pytest.param(
        "UPDATE tracker SET deadline = '2024-06-01'",
        "the tracker's deadline is '2024-06-01' in the table, '2024-05-01' in the trail",
        id="deadline-moved-behind-its-back",
    ),
    pytest.param(
        "UPDATE tracker_event SET canonical = replace(canonical, '\"percent\":40', "
        "'\"percent\":90') WHERE kind = 'report' AND report_id = 1",
        "its hash does not match its text (the event was edited)",
        id="edited-event",
    ),
    pytest.param(
        "DELETE FROM tracker_event WHERE kind = 'undo'",
        "an event was deleted",
        id="deleted-event",
    ),
    pytest.param(
        "UPDATE tracker_event SET actor_id = x'00ff' WHERE kind = 'report' AND report_id = 1",
        "a field holds bytes where the trail has text or a number",
        id="bytes-in-a-number",
    ),
]


@pytest.mark.tampers
@pytest.mark.sqlite_only
@pytest.mark.parametrize("where", ["one connection", "other connections"])
@pytest.mark.parametrize(("statement", "named"), TAMPERING)
async def test_each_kind_of_tampering_is_caught_and_named(
    harness: Harness,
    statement: str,
    named: str,
    where: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if where == "other connections":
        rows_checked_on_other_connections(monkeypatch)
    await history(harness)
    assert [r.id for r in harness.reports()] == [1, 2, 3, 4]
    with harness.engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys = OFF"))
        connection.exec_driver_sql(statement)
    problem = _problem(harness.engine)
    assert named in problem
    monkeypatch.setenv("DATABASE_URL", str(harness.engine.url))
    capsys.readouterr()
    assert main(["verify"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("NOT INTACT tiktok-tokopedia: ")
    assert named in err


@pytest.mark.tampers
@pytest.mark.sqlite_only
async def test_reordered_events_are_caught_and_named(harness: Harness) -> None:
    await history(harness)
    with harness.engine.begin() as connection:
        ids = connection.execute(
            text("SELECT id, seq FROM tracker_event WHERE kind IN ('report', 'undo') ORDER BY seq")
        ).all()
        (first, a), (second, b) = ids[0], ids[1]
        connection.execute(text(f"UPDATE tracker_event SET seq = -1 WHERE id = {first}"))
        connection.execute(text(f"UPDATE tracker_event SET seq = {a} WHERE id = {second}"))
        connection.execute(text(f"UPDATE tracker_event SET seq = {b} WHERE id = {first}"))
    problem = _problem(harness.engine)
    assert f"event {a}:" in problem
    assert f"is written as event {b}: events were reordered" in problem
