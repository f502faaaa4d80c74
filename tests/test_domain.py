"""Pure domain logic: parsers, percentage maths, deadlines, HTML splitting. No Telegram, no DB."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from domain.errors import UserError
from domain.htmltext import split_html
from domain.locale import days_left_text
from domain.parsing import (
    parse_date,
    parse_grant,
    parse_percent,
    parse_setup,
    parse_update,
    parse_workstream,
    split_command,
    suggest,
)
from domain.progress import (
    local_today,
    overall_percent,
    progress_bar,
    round_percent,
    with_report,
)
from domain.views import ReportView, Role, Snapshot, TrackerView, WorkstreamView


@pytest.mark.parametrize(("token", "value"), [("0", 0), ("70", 70), ("70%", 70), ("100", 100)])
def test_percent_accepts_whole_numbers_0_to_100(token: str, value: int) -> None:
    assert parse_percent(token) == value


@pytest.mark.parametrize("token", ["abc", "-5", "101", "70.5", "1000", "", "%", "70%%", "٧٠"])
def test_percent_rejects_anything_else(token: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_percent(token)
    assert refused.value.key == "bad_percent"
    assert "is not a percentage" in refused.value.render("en")
    assert "bukan persentase" in refused.value.render("id")


def test_update_parser_keeps_the_whole_note() -> None:
    args = parse_update("Sellers 70% merchant back-end\n  halfway")
    assert (args.workstream, args.percent) == ("sellers", 70)
    assert args.note == "merchant back-end\n  halfway"
    assert parse_update("payments 100").note is None


def test_split_command_handles_bot_name_and_arguments() -> None:
    assert split_command("/update@PantauBot payments 70") == ("update", "PantauBot", "payments 70")
    assert split_command("/STATUS") == ("status", None, "")


def test_setup_parser_date_and_title_are_optional() -> None:
    setup = parse_setup("tiktok 2024-04-12 TikTok  Shop migration")
    assert (setup.key, setup.deadline, setup.title) == (
        "tiktok",
        date(2024, 4, 12),
        "TikTok Shop migration",
    )
    assert parse_setup("tiktok").deadline is None
    assert parse_setup("tiktok New title").title == "New title"


def test_workstream_parser_reads_weight_and_title() -> None:
    args = parse_workstream("add sellers weight=2.5 Seller back-end")
    assert (args.key, args.weight, args.title) == ("sellers", 2.5, "Seller back-end")
    assert parse_workstream("add app").weight is None


def test_grant_parser_accepts_reply_form() -> None:
    target, role = parse_grant("admin", replied_user_id=55)
    assert (target.user_id, role) == (55, Role.ADMIN)
    target, role = parse_grant("@Budi_S reporter", replied_user_id=None)
    assert (target.username, role) == ("Budi_S", Role.REPORTER)


def test_date_parser_rejects_impossible_dates() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    with pytest.raises(UserError) as refused:
        parse_date("2023-02-29")
    assert refused.value.key == "bad_date_day"
    assert refused.value.render("en") == (
        "<code>2023-02-29</code> is not a real date: February 2023 has 28 days."
    )
    assert refused.value.render("id") == (
        "<code>2023-02-29</code> bukan tanggal yang ada: Februari 2023 hanya memiliki 28 hari."
    )


def test_suggest_names_closest_keys() -> None:
    assert "payments" in suggest("paymnts", ["payments", "sellers"]).render("en")
    assert suggest("zzz", ["payments", "sellers"]).render("en").startswith("Workstreams:")
    assert suggest("zzz", ["payments"]).render("id").startswith("Komponen:")


def _ws(wid: int, percent: int | None, weight: float = 1.0) -> WorkstreamView:
    latest = None
    if percent is not None:
        latest = ReportView(
            wid, f"w{wid}", percent, None, 1, "A", datetime(2024, 1, 1, tzinfo=UTC)
        )
    return WorkstreamView(wid, f"w{wid}", f"W{wid}", weight, latest)


def test_overall_is_weighted_mean_with_missing_reports_as_zero() -> None:
    assert overall_percent([_ws(1, 100), _ws(2, 50), _ws(3, 60)]) == pytest.approx(70)
    assert overall_percent([_ws(1, 100, weight=3), _ws(2, None)]) == pytest.approx(75)
    assert overall_percent([]) == 0.0


def test_round_percent_rounds_half_up() -> None:
    assert (round_percent(69.5), round_percent(70.49), round_percent(0.5)) == (70, 70, 1)


def test_days_left_in_the_trackers_timezone() -> None:
    # 18:00 UTC on 11 Apr is already 12 Apr in Jakarta: the deadline day.
    now = datetime(2024, 4, 11, 18, 0, tzinfo=UTC)
    today = local_today(now, "Asia/Jakarta")
    assert today == date(2024, 4, 12)
    assert days_left_text(date(2024, 4, 12), today, "en") == "due today"
    assert days_left_text(date(2024, 4, 13), today, "en") == "1 day left"
    assert days_left_text(date(2024, 4, 10), today, "en") == "2 days overdue"
    assert days_left_text(date(2024, 4, 10), today, "id") == "terlambat 2 hari"


def test_progress_bar() -> None:
    assert progress_bar(0) == "░" * 10
    assert progress_bar(70) == "███████░░░"
    assert progress_bar(100) == "█" * 10


def test_with_report_ignores_a_late_delivered_older_report() -> None:
    tracker = TrackerView(1, "t", "T", None, date(2024, 4, 12), "Asia/Jakarta")
    snap = Snapshot(tracker, (_ws(1, 50),))
    older = ReportView(9, "w1", 10, None, 1, "A", datetime(2023, 1, 1, tzinfo=UTC))
    newer = ReportView(10, "w1", 90, None, 1, "A", datetime(2024, 2, 1, tzinfo=UTC))
    assert with_report(snap, older, 1).workstreams[0].percent == 50
    assert with_report(snap, newer, 1).workstreams[0].percent == 90


_ALLOWED = re.compile(r"</?(b|i|s|u|code|pre|a)( [^>]*)?>")


def _balanced(chunk: str) -> bool:
    stack: list[str] = []
    for tag in re.finditer(r"<(/?)([a-z]+)[^>]*>", chunk):
        if tag.group(1):
            if not stack or stack.pop() != tag.group(2):
                return False
        else:
            stack.append(tag.group(2))
    return not stack


def test_split_html_keeps_short_text_whole() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]


def test_split_html_prefers_line_breaks_and_respects_limit() -> None:
    text = "\n".join(f"<b>line {n}</b> " + "x" * 50 for n in range(200))
    chunks = split_html(text, limit=500)
    assert all(len(c) <= 500 and _balanced(c) for c in chunks)
    assert "\n".join(chunks) == text


def test_split_html_cuts_an_overlong_line_without_breaking_tags_or_entities() -> None:
    text = "<i>" + "&amp;" * 2000 + "</i>"
    chunks = split_html(text, limit=4096)
    assert len(chunks) == 3
    for chunk in chunks:
        assert len(chunk) <= 4096
        assert _balanced(chunk)
        assert not re.search(r"&[a-z]*$", chunk.removesuffix("</i>"))
    assert "".join(chunks).count("&amp;") == 2000


def test_split_command_never_fails_on_text_that_only_claims_to_be_a_command() -> None:
    # Found by the fuzzer: a bot_command entity over empty or non-ASCII text.
    assert split_command("") == ("", None, "")
    assert split_command("/é payments") == ("é", None, "payments")
