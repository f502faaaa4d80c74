"""The command table: the one place that says which commands exist, who may use them where,
and how /help and the menus describe them.

``bot/app.py`` registers a handler for each row; /help lists the rows the asker may use
here; the command menus (both languages) are the rows with a ``menu_key``; and every
permission check (``bot.handlers.common.check``) reads the row of the command being handled.
A test drives every row through the real application for each role and place, and another
checks the README's table against this one. Adding a command means a row here, its handler
and its messages.
"""

from __future__ import annotations

from bot.access import Access, Command, HelpLine, Rank, Where, command
from bot.handlers import (
    chain,
    checkin,
    digests,
    evidence,
    files,
    follows,
    language,
    members,
    reports,
    start,
    status,
    trackers,
    workstreams,
)

NONE, REPORTER, ADMIN, OPERATOR = Rank.NONE, Rank.REPORTER, Rank.ADMIN, Rank.OPERATOR

# Reading: anyone in a linked group; in a private chat, members of the tracker.
READ = Where(linked=Access(NONE), unlinked=None, private=Access(REPORTER))
# Shown to anyone here, changed by the tracker's admins.
SHOW_OR_CHANGE = Where(
    linked=Access(NONE, change=ADMIN), unlinked=None, private=Access(REPORTER, change=ADMIN)
)
REPORT = Where(linked=Access(REPORTER), unlinked=None, private=Access(REPORTER))
# Members of the tracker (any role), wherever it is followed.
MEMBERS = REPORT
ADMINISTER = Where(linked=Access(ADMIN), unlinked=None, private=Access(ADMIN))
ANYWHERE = Where(linked=Access(NONE), unlinked=Access(NONE), private=Access(NONE))
# Linking's rules (/setup, /follow): admin of the tracker named, and in a chat that already
# follows one, admin of that one too.
LINK = Where(linked=Access(ADMIN), unlinked=Access(NONE), private=Access(NONE))
# A chat that follows a tracker (a group or a private chat) moves only at its admins' word; a
# chat that follows none may be linked by anyone, to a tracker they administer (key_rank).
SETUP = Where(
    linked=Access(ADMIN), unlinked=Access(NONE), private=Access(NONE), private_linked=Access(ADMIN)
)
# A group's language is its admins' call (an operator's in a group that follows no tracker); a
# private chat's is its owner's.
CHAT_LANGUAGE = Where(
    linked=Access(NONE, change=ADMIN),
    unlinked=Access(NONE, change=OPERATOR),
    private=Access(NONE, change=NONE),
)
# Private chats only (/use: the key must name a tracker the person belongs to).
PRIVATE = Where(linked=None, unlinked=None, private=Access(NONE))

# One row a command, in /help's order: name, handler, where it works, its /help lines (the
# usage and the description, catalogue keys both), then what else it needs.
COMMANDS: tuple[Command, ...] = (
    # --- everyone, everywhere -------------------------------------------------------------
    command("start", start.show_help, ANYWHERE),
    command(
        "help",
        start.show_help,
        ANYWHERE,
        HelpLine("command_help", "help_help"),
        menu_key="menu_help",
    ),
    command(
        "trackers", trackers.list_trackers, ANYWHERE, HelpLine("command_trackers", "help_trackers")
    ),
    # --- reading ----------------------------------------------------------------------------
    command(
        "status",
        status.show_status,
        READ,
        HelpLine("usage_status", "help_status"),
        menu_key="menu_status",
    ),
    command(
        "workstreams",
        status.list_workstreams,
        READ,
        HelpLine("command_workstreams", "help_workstreams"),
        menu_key="menu_workstreams",
    ),
    command(
        "history",
        status.show_history,
        READ,
        HelpLine("usage_history", "help_history"),
        menu_key="menu_history",
    ),
    command(
        "chart",
        files.send_chart,
        READ,
        HelpLine("command_chart", "help_chart"),
        menu_key="menu_chart",
    ),
    command(
        "evidence", evidence.resend_evidence, MEMBERS, HelpLine("usage_evidence", "help_evidence")
    ),
    command("verify", chain.show_trail_head, MEMBERS, HelpLine("command_verify", "help_verify")),
    command(
        "digest",
        digests.post_digest,
        READ,
        HelpLine("command_digest", "help_digest"),
        menu_key="menu_digest",
        writes=True,  # it sends for the tracker
    ),
    command(
        "deadline",
        trackers.show_or_move_deadline,
        SHOW_OR_CHANGE,
        HelpLine("command_deadline", "help_deadline"),
        HelpLine("usage_deadline_move", "help_deadline_move", change=True),
        menu_key="menu_deadline",
    ),
    command(
        "schedule",
        digests.set_schedule,
        SHOW_OR_CHANGE,
        HelpLine("command_schedule", "help_schedule"),
        HelpLine("usage_schedule_all", "help_schedule_set", change=True),
    ),
    command(
        "quiet",
        digests.set_quiet,
        SHOW_OR_CHANGE,
        HelpLine("command_quiet", "help_quiet_show"),
        HelpLine("usage_quiet", "help_quiet", change=True),
    ),
    command(
        "lang",
        language.set_language,
        CHAT_LANGUAGE,
        HelpLine("command_lang", "help_lang_show"),
        HelpLine("usage_lang_set", "help_lang", change=True),
        change_is_chat=True,
    ),
    command(
        "owner",
        checkin.set_owner,
        SHOW_OR_CHANGE,
        HelpLine("usage_owner_show", "help_owner_show"),
        HelpLine("usage_owner_short", "help_owner", change=True),
    ),
    command(
        "checkin",
        checkin.set_checkin,
        SHOW_OR_CHANGE,
        HelpLine("command_checkin", "help_checkin_show"),
        HelpLine("usage_checkin_all", "help_checkin", change=True),
    ),
    command(
        "holidays",
        checkin.set_holidays,
        SHOW_OR_CHANGE,
        HelpLine("command_holidays", "help_holidays_show"),
        HelpLine("usage_holidays", "help_holidays", change=True),
    ),
    # --- reporting --------------------------------------------------------------------------
    command(
        "update",
        reports.update_progress,
        REPORT,
        HelpLine("usage_update", "help_update"),
        HelpLine("command_update", "help_update_buttons"),
        edit_handler=reports.correct_update,
        menu_key="menu_update",
        writes=True,
    ),
    command(
        "undo",
        reports.undo_report,
        REPORT,
        HelpLine("command_undo", "help_undo"),
        menu_key="menu_undo",
        writes=True,
    ),
    command("away", checkin.set_away, ANYWHERE, HelpLine("usage_away", "help_away")),
    command(
        "use",
        checkin.use_tracker,
        PRIVATE,
        HelpLine("usage_use", "help_use"),
        key_rank=REPORTER,
    ),
    # --- administration ---------------------------------------------------------------------
    command(
        "setup",
        trackers.setup_tracker,
        SETUP,
        HelpLine("usage_setup", "help_setup"),
        key_rank=ADMIN,
        creates=True,
    ),
    command(
        "archive",
        trackers.archive_tracker,
        ANYWHERE,
        HelpLine("usage_archive", "help_archive"),
        key_rank=ADMIN,
    ),
    command(
        "restore",
        trackers.restore_tracker,
        ANYWHERE,
        HelpLine("usage_restore", "help_restore"),
        key_rank=ADMIN,
    ),
    command(
        "follow",
        follows.follow_tracker,
        LINK,
        HelpLine("usage_follow", "help_follow"),
        key_rank=ADMIN,
    ),
    command(
        "unfollow",
        follows.unfollow_tracker,
        LINK,
        HelpLine("usage_unfollow", "help_unfollow"),
        key_rank=ADMIN,
    ),
    command(
        "workstream",
        workstreams.change_workstream,
        ADMINISTER,
        HelpLine("usage_workstream_add", "help_workstream_add"),
        HelpLine("usage_workstream_remove", "help_workstream_remove"),
        writes=True,
    ),
    # Not "writes" (/grant, /revoke): taking a role away must work on an archived tracker too.
    command("grant", members.grant_role, ADMINISTER, HelpLine("usage_grant_short", "help_grant")),
    command(
        "revoke", members.revoke_role, ADMINISTER, HelpLine("usage_revoke_short", "help_revoke")
    ),
    command("export", files.send_export, ADMINISTER, HelpLine("usage_export", "help_export")),
)

BY_NAME: dict[str, Command] = {row.name: row for row in COMMANDS}


def menu() -> list[tuple[str, str]]:
    """The command menu: (command, catalogue key of its description), the same commands in
    every language."""
    return [(c.name, c.menu_key) for c in COMMANDS if c.menu_key is not None]
