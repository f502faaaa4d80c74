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

from bot.access import Access, Command, HelpLine, Rank, Where
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

COMMANDS: tuple[Command, ...] = (
    # --- everyone, everywhere -------------------------------------------------------------
    Command(
        "start",
        start.show_help,
        help=(),
        where=ANYWHERE,
    ),
    Command(
        "help",
        start.show_help,
        help=(HelpLine("command_help", "help_help"),),
        menu_key="menu_help",
        where=ANYWHERE,
    ),
    Command(
        "trackers",
        trackers.list_trackers,
        help=(HelpLine("command_trackers", "help_trackers"),),
        where=ANYWHERE,
    ),
    # --- reading ----------------------------------------------------------------------------
    Command(
        "status",
        status.show_status,
        help=(HelpLine("usage_status", "help_status"),),
        menu_key="menu_status",
        where=READ,
    ),
    Command(
        "workstreams",
        status.list_workstreams,
        help=(HelpLine("command_workstreams", "help_workstreams"),),
        menu_key="menu_workstreams",
        where=READ,
    ),
    Command(
        "history",
        status.show_history,
        help=(HelpLine("usage_history", "help_history"),),
        menu_key="menu_history",
        where=READ,
    ),
    Command(
        "chart",
        files.send_chart,
        help=(HelpLine("command_chart", "help_chart"),),
        menu_key="menu_chart",
        where=READ,
    ),
    Command(
        "evidence",
        evidence.resend_evidence,
        help=(HelpLine("usage_evidence", "help_evidence"),),
        where=MEMBERS,
    ),
    Command(
        "verify",
        chain.show_trail_head,
        help=(HelpLine("command_verify", "help_verify"),),
        where=MEMBERS,
    ),
    Command(
        "digest",
        digests.post_digest,
        help=(HelpLine("command_digest", "help_digest"),),
        menu_key="menu_digest",
        writes=True,  # it sends for the tracker
        where=READ,
    ),
    Command(
        "deadline",
        trackers.show_or_move_deadline,
        help=(
            HelpLine("command_deadline", "help_deadline"),
            HelpLine("usage_deadline_move", "help_deadline_move", change=True),
        ),
        menu_key="menu_deadline",
        where=SHOW_OR_CHANGE,
    ),
    Command(
        "schedule",
        digests.set_schedule,
        help=(
            HelpLine("command_schedule", "help_schedule"),
            HelpLine("usage_schedule_all", "help_schedule_set", change=True),
        ),
        where=SHOW_OR_CHANGE,
    ),
    Command(
        "quiet",
        digests.set_quiet,
        help=(
            HelpLine("command_quiet", "help_quiet_show"),
            HelpLine("usage_quiet", "help_quiet", change=True),
        ),
        where=SHOW_OR_CHANGE,
    ),
    Command(
        "lang",
        language.set_language,
        help=(
            HelpLine("command_lang", "help_lang_show"),
            HelpLine("usage_lang_set", "help_lang", change=True),
        ),
        # A group's language is its admins' call (an operator's in a group that follows no
        # tracker); a private chat's is its owner's.
        where=Where(
            linked=Access(NONE, change=ADMIN),
            unlinked=Access(NONE, change=OPERATOR),
            private=Access(NONE, change=NONE),
        ),
        change_is_chat=True,
    ),
    Command(
        "owner",
        checkin.set_owner,
        help=(
            HelpLine("usage_owner_show", "help_owner_show"),
            HelpLine("usage_owner_short", "help_owner", change=True),
        ),
        where=SHOW_OR_CHANGE,
    ),
    Command(
        "checkin",
        checkin.set_checkin,
        help=(
            HelpLine("command_checkin", "help_checkin_show"),
            HelpLine("usage_checkin_all", "help_checkin", change=True),
        ),
        where=SHOW_OR_CHANGE,
    ),
    Command(
        "holidays",
        checkin.set_holidays,
        help=(
            HelpLine("command_holidays", "help_holidays_show"),
            HelpLine("usage_holidays", "help_holidays", change=True),
        ),
        where=SHOW_OR_CHANGE,
    ),
    # --- reporting --------------------------------------------------------------------------
    Command(
        "update",
        reports.update_progress,
        edit_handler=reports.correct_update,
        help=(
            HelpLine("usage_update", "help_update"),
            HelpLine("command_update", "help_update_buttons"),
        ),
        menu_key="menu_update",
        writes=True,
        where=REPORT,
    ),
    Command(
        "undo",
        reports.undo_report,
        help=(HelpLine("command_undo", "help_undo"),),
        menu_key="menu_undo",
        writes=True,
        where=REPORT,
    ),
    Command(
        "away",
        checkin.set_away,
        help=(HelpLine("usage_away", "help_away"),),
        where=ANYWHERE,
    ),
    Command(
        "use",
        checkin.use_tracker,
        help=(HelpLine("usage_use", "help_use"),),
        # Private chats only; the key must name a tracker the person belongs to.
        where=Where(linked=None, unlinked=None, private=Access(NONE)),
        key_rank=REPORTER,
    ),
    # --- administration ---------------------------------------------------------------------
    Command(
        "setup",
        trackers.setup_tracker,
        help=(HelpLine("usage_setup", "help_setup"),),
        # A chat that follows a tracker (a group or a private chat) moves only at its admins'
        # word; a chat that follows none may be linked by anyone, to a tracker they
        # administer (key_rank).
        where=Where(
            linked=Access(ADMIN),
            unlinked=Access(NONE),
            private=Access(NONE),
            private_linked=Access(ADMIN),
        ),
        key_rank=ADMIN,
        creates=True,
    ),
    Command(
        "archive",
        trackers.archive_tracker,
        help=(HelpLine("usage_archive", "help_archive"),),
        key_rank=ADMIN,
        where=ANYWHERE,
    ),
    Command(
        "restore",
        trackers.restore_tracker,
        help=(HelpLine("usage_restore", "help_restore"),),
        key_rank=ADMIN,
        where=ANYWHERE,
    ),
    Command(
        "follow",
        follows.follow_tracker,
        help=(HelpLine("usage_follow", "help_follow"),),
        # Linking's rules (/setup): admin of the tracker named, and in a chat that already
        # follows one, admin of that one too.
        where=Where(linked=Access(ADMIN), unlinked=Access(NONE), private=Access(NONE)),
        key_rank=ADMIN,
    ),
    Command(
        "unfollow",
        follows.unfollow_tracker,
        help=(HelpLine("usage_unfollow", "help_unfollow"),),
        where=Where(linked=Access(ADMIN), unlinked=Access(NONE), private=Access(NONE)),
        key_rank=ADMIN,
    ),
    Command(
        "workstream",
        workstreams.change_workstream,
        help=(
            HelpLine("usage_workstream_add", "help_workstream_add"),
            HelpLine("usage_workstream_remove", "help_workstream_remove"),
        ),
        writes=True,
        where=ADMINISTER,
    ),
    Command(
        "grant",
        members.grant_role,
        help=(HelpLine("usage_grant_short", "help_grant"),),
        # Not "writes": taking a role away must work on an archived tracker too.
        where=ADMINISTER,
    ),
    Command(
        "revoke",
        members.revoke_role,
        help=(HelpLine("usage_revoke_short", "help_revoke"),),
        # Not "writes": taking a role away must work on an archived tracker too.
        where=ADMINISTER,
    ),
    Command(
        "export",
        files.send_export,
        help=(HelpLine("usage_export", "help_export"),),
        where=ADMINISTER,
    ),
)

BY_NAME: dict[str, Command] = {command.name: command for command in COMMANDS}


def menu() -> list[tuple[str, str]]:
    """The command menu: (command, catalogue key of its description), the same commands in
    every language."""
    return [(c.name, c.menu_key) for c in COMMANDS if c.menu_key is not None]
