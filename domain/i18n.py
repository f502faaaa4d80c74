"""Every user-facing text, in English and Bahasa Indonesia, in one catalogue.

``t(lang, key, **params)`` fills a template. Parameters are HTML-escaped unless they are
``Html`` (already-safe markup) or ``Msg`` (another catalogue entry, rendered in the same
language), so user text can never become markup; whole numbers are grouped as the language
writes them ("1,000" / "1.000"). A test checks that every entry exists in both languages with
the same placeholders; another holds the Indonesian to the glossary in ``docs/glossary.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from html import escape
from typing import Any, Protocol, runtime_checkable

from babel import Locale
from babel.numbers import format_decimal

from domain.i18n_audit import AUDIT_CATALOG

LANGUAGES = ("en", "id")
DEFAULT_LANGUAGE = "en"


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


# key: (English, Bahasa Indonesia). The Indonesian follows docs/glossary.md (a test checks).
CATALOG: dict[str, tuple[str, str]] = {
    # --- parsing ---------------------------------------------------------------------------
    "bad_key": (
        "{token} is not a valid key: use up to 32 lower-case letters, digits, - or _.\n"
        "Type {usage}",
        "{token} bukan kode yang sah: gunakan paling banyak 32 huruf kecil, angka, tanda - "
        "atau _.\nKetik {usage}",
    ),
    "bad_percent": (
        "{token} is not a percentage: use a whole number from 0 to 100, e.g. {a} or {b}.",
        "{token} bukan persentase: gunakan bilangan bulat 0 sampai dengan 100, misalnya {a} "
        "atau {b}.",
    ),
    "bad_date_format": (
        "{token} is not a date: write it as YYYY-MM-DD, e.g. 2024-04-12.",
        "{token} bukan tanggal: tulis dengan format TTTT-BB-HH, misalnya 2024-04-12.",
    ),
    "bad_date_real": (
        "{token} is not a real date: check the month and day.",
        "{token} bukan tanggal yang ada: periksa bulan dan tanggalnya.",
    ),
    "deadline_out_of_range": (
        "{token} cannot be a deadline: give a date from {earliest} to {latest}.",
        "{token} tidak dapat menjadi tenggat: gunakan tanggal dari {earliest} sampai dengan "
        "{latest}.",
    ),
    "deadline_in_past": (
        "⚠️ This deadline has already passed. If the date is a typo, correct it with {example}.",
        "⚠️ Tenggat ini telah berlalu. Apabila tanggalnya keliru, perbaiki dengan {example}.",
    ),
    "note_too_long": (
        "Your note has {length} characters; the limit is {limit}. "
        "Shorten it and send the command again.",
        "Catatan Anda terdiri atas {length} karakter; batasnya {limit} karakter. "
        "Persingkat catatan tersebut, lalu kirim kembali perintahnya.",
    ),
    "title_too_long": (
        "The title is too long: at most {limit} characters.",
        "Judul terlalu panjang: paling banyak {limit} karakter.",
    ),
    "suggest_close": ("Did you mean {keys}?", "Apakah yang Anda maksud {keys}?"),
    "suggest_all": ("Workstreams: {keys}", "Komponen: {keys}"),
    "suggest_none": (
        "This tracker has no workstreams yet: an admin adds one with /workstream add.",
        "Pemantauan ini belum memiliki komponen: admin dapat menambahkannya dengan "
        "/workstream add.",
    ),
    "update_usage": (
        "Tell me the workstream and the percentage: {usage}\ne.g. {example}",
        "Sebutkan komponen dan persentasenya: {usage}\nContoh: {example}",
    ),
    "setup_usage": (
        "Name the tracker: {usage}\ne.g. {example}",
        "Sebutkan kode pemantauannya: {usage}\nContoh: {example}",
    ),
    "workstream_usage": (
        "Type {usage} or {remove}\ne.g. {example}",
        "Ketik {usage} atau {remove}\nContoh: {example}",
    ),
    "bad_weight": (
        "{token}: the weight must be a number above 0 (up to {max}), e.g. {example}.",
        "{token}: bobot harus berupa angka lebih dari 0 (paling besar {max}), misalnya {example}.",
    ),
    "too_many_words": ("Too many words: type {usage}", "Terlalu banyak kata: ketik {usage}"),
    "bad_user_id": (
        "{token} is not a Telegram user id.",
        "{token} bukan ID pengguna Telegram.",
    ),
    "bad_target": (
        "{token} is not a @username or a numeric user id.\nType {usage}, "
        "or reply to the person's message.",
        "{token} bukan @username ataupun ID pengguna berupa angka.\nKetik {usage}, "
        "atau balas pesan dari yang bersangkutan.",
    ),
    "bad_role": (
        "{token} is not a role: use {reporter} or {admin}.",
        "{token} bukan peran: gunakan {reporter} atau {admin}.",
    ),
    "grant_usage": (
        "Type {usage}\nor reply to the person's message with {example}.",
        "Ketik {usage}\natau balas pesan dari yang bersangkutan dengan {example}.",
    ),
    "revoke_usage": (
        "Type {usage}\nor reply to the person's message with {example}.",
        "Ketik {usage}\natau balas pesan dari yang bersangkutan dengan {example}.",
    ),
    "history_usage": ("Type {usage}, e.g. {example}", "Ketik {usage}, misalnya {example}"),
    "history_name": ("Name the workstream: {usage}", "Sebutkan komponennya: {usage}"),
    "bad_count": (
        "{token}: the number of reports must be a whole number from 1 to {limit}.",
        "{token}: jumlah laporan harus berupa bilangan bulat 1 sampai dengan {limit}.",
    ),
    "status_usage": ("Type {a} or {b}", "Ketik {a} atau {b}"),
    "deadline_usage": ("Type {a} or {b}", "Ketik {a} atau {b}"),
    "no_args": (
        "{command} takes no arguments: type {command}",
        "{command} tidak memerlukan argumen: cukup ketik {command}",
    ),
    "bad_time": (
        "{token} is not a time: use 24-hour HH:MM, e.g. {example}.",
        "{token} bukan waktu yang sah: gunakan format 24 jam JJ.MM, misalnya {example}.",
    ),
    "schedule_usage": (
        "Type {usage} or {off}\ne.g. {example}",
        "Ketik {usage} atau {off}\nContoh: {example}",
    ),
    "quiet_usage": (
        "Type {usage} with a whole number from 1 to 365, e.g. {example}",
        "Ketik {usage} dengan bilangan bulat 1 sampai dengan 365, misalnya {example}",
    ),
    "lang_usage": (
        "Type {en} for English or {id} for Bahasa Indonesia.",
        "Ketik {en} untuk bahasa Inggris atau {id} untuk bahasa Indonesia.",
    ),
    "export_usage": ("Type {csv} or {xlsx}", "Ketik {csv} atau {xlsx}"),
    # --- usage lines and examples (shown as code, in the reader's language) -----------------
    "usage_update": (
        "/update &lt;workstream&gt; &lt;percent&gt; [note]",
        "/update &lt;komponen&gt; &lt;persen&gt; [catatan]",
    ),
    "usage_setup": (
        "/setup &lt;key&gt; [YYYY-MM-DD] [title]",
        "/setup &lt;kode&gt; [TTTT-BB-HH] [judul]",
    ),
    "usage_setup_new": (
        "/setup {key} YYYY-MM-DD [title]",
        "/setup {key} TTTT-BB-HH [judul]",
    ),
    "usage_workstream_add": (
        "/workstream add &lt;key&gt; [weight=N] [title]",
        "/workstream add &lt;kode&gt; [bobot=N] [judul]",
    ),
    "usage_workstream_remove": (
        "/workstream remove &lt;key&gt;",
        "/workstream remove &lt;kode&gt;",
    ),
    "usage_grant": (
        "/grant &lt;@username | user-id&gt; &lt;reporter | admin&gt;",
        "/grant &lt;@username | ID-pengguna&gt; &lt;reporter | admin&gt;",
    ),
    "usage_revoke": (
        "/revoke &lt;@username | user-id&gt;",
        "/revoke &lt;@username | ID-pengguna&gt;",
    ),
    "usage_history": ("/history &lt;workstream&gt; [n]", "/history &lt;komponen&gt; [n]"),
    "usage_status": ("/status [workstream]", "/status [komponen]"),
    "usage_status_one": ("/status &lt;workstream&gt;", "/status &lt;komponen&gt;"),
    "usage_deadline_move": ("/deadline YYYY-MM-DD", "/deadline TTTT-BB-HH"),
    "usage_schedule": (
        "/schedule daily|weekdays|mon…sun HH:MM",
        "/schedule daily|weekdays|mon…sun JJ.MM",
    ),
    "usage_schedule_all": (
        "/schedule daily|weekdays|mon…sun HH:MM | off",
        "/schedule daily|weekdays|mon…sun JJ.MM | off",
    ),
    "usage_quiet": ("/quiet &lt;days&gt;", "/quiet &lt;hari&gt;"),
    "usage_owner": (
        "/owner &lt;workstream&gt; &lt;@username | user-id&gt;… | off",
        "/owner &lt;komponen&gt; &lt;@username | ID-pengguna&gt;… | off",
    ),
    "usage_owner_show": ("/owner &lt;workstream&gt;", "/owner &lt;komponen&gt;"),
    "usage_owner_short": (
        "/owner &lt;workstream&gt; &lt;@user|id&gt;… | off",
        "/owner &lt;komponen&gt; &lt;@username|ID&gt;… | off",
    ),
    "usage_checkin": (
        "/checkin daily|weekdays|mon…sun HH:MM",
        "/checkin daily|weekdays|mon…sun JJ.MM",
    ),
    "usage_checkin_all": (
        "/checkin daily|weekdays|mon…sun HH:MM | off",
        "/checkin daily|weekdays|mon…sun JJ.MM | off",
    ),
    "usage_holidays": ("/holidays &lt;country&gt; | off", "/holidays &lt;negara&gt; | off"),
    "usage_away": ("/away YYYY-MM-DD | off", "/away TTTT-BB-HH | off"),
    "usage_away_day": ("/away YYYY-MM-DD", "/away TTTT-BB-HH"),
    "usage_use": ("/use [key]", "/use [kode]"),
    "usage_use_one": ("/use &lt;key&gt;", "/use &lt;kode&gt;"),
    "example_update_percent": ("/update {key} &lt;percent&gt;", "/update {key} &lt;persen&gt;"),
    "example_checkin": ("/checkin weekdays 09:00", "/checkin weekdays 09.00"),
    "usage_archive": ("/archive &lt;key&gt;", "/archive &lt;kode&gt;"),
    "usage_restore": ("/restore &lt;key&gt;", "/restore &lt;kode&gt;"),
    "usage_grant_short": (
        "/grant &lt;@user|id&gt; &lt;reporter|admin&gt;",
        "/grant &lt;@username|ID&gt; &lt;reporter|admin&gt;",
    ),
    "usage_revoke_short": ("/revoke &lt;@user|id&gt;", "/revoke &lt;@username|ID&gt;"),
    "example_setup": (
        "/setup tiktok-tokopedia 2024-04-12 TikTok Shop migration",
        "/setup tiktok-tokopedia 2024-04-12 Migrasi TikTok Shop",
    ),
    "example_workstream_add": (
        "/workstream add sellers weight=2 Seller back-end",
        "/workstream add sellers bobot=2 Sistem back-end penjual",
    ),
    "example_weight": ("weight=2.5", "bobot=2,5"),
    "example_time": ("09:00", "09.00"),
    "example_schedule": ("/schedule weekdays 09:00", "/schedule weekdays 09.00"),
    "example_lower": (
        "/update {key} {percent} &lt;why&gt;",
        "/update {key} {percent} &lt;alasan&gt;",
    ),
    # --- who and where -----------------------------------------------------------------------
    "not_linked": (
        "This chat is not linked to a tracker yet. An admin links it with "
        "<code>/setup &lt;tracker-key&gt;</code>.",
        "Obrolan ini belum terhubung ke pemantauan mana pun. Admin dapat menghubungkannya "
        "dengan <code>/setup &lt;kode-pemantauan&gt;</code>.",
    ),
    "not_member": (
        "You are not a member of any tracker yet. Use me in your team's group, or ask an "
        "admin to <code>/grant</code> you a role.",
        "Anda belum menjadi anggota pemantauan mana pun. Gunakan Pantau di grup tim Anda, "
        "atau mintalah admin memberi Anda peran dengan <code>/grant</code>.",
    ),
    "many_trackers": (
        "You belong to {count} trackers ({keys}): choose one with <code>/use &lt;key&gt;</code> "
        "here, or send this in the tracker's group chat.",
        "Anda menjadi anggota {count} pemantauan ({keys}): pilih salah satu dengan "
        "<code>/use &lt;kode&gt;</code> di sini, atau kirim perintah ini di grup pemantauan "
        "yang dimaksud.",
    ),
    "role_reporter_plural": ("reporters and admins", "pelapor dan admin"),
    "role_admin_plural": ("admins", "admin"),
    "role_reporter": ("reporter", "pelapor"),
    "role_admin": ("admin", "admin"),
    "need_role": (
        "Only {who} of <b>{tracker}</b> can do that. Ask {admins} to "
        "<code>/grant</code> you the {role} role.",
        "Hanya {who} <b>{tracker}</b> yang dapat melakukan hal ini. Mintalah {admins} "
        "memberi Anda peran {role} dengan <code>/grant</code>.",
    ),
    "user_n": ("user {id}", "pengguna {id}"),
    "unknown_command": (
        "I don't know /{command}. Send /help to see what you can do here.",
        "Perintah /{command} tidak dikenal. Kirim /help untuk melihat perintah yang dapat "
        "Anda gunakan di sini.",
    ),
    "corrected": (
        "✏️ Corrected <b>{title}</b>: {before}% → {after}% (the first report is kept, marked).",
        "✏️ Laporan <b>{title}</b> dikoreksi: {before}% → {after}% (laporan pertama tetap "
        "disimpan dan ditandai).",
    ),
    "apology": (
        "😔 Sorry, something went wrong on my side. Please try again in a minute; "
        "if it keeps happening, tell the bot's operator.",
        "😔 Mohon maaf, terjadi gangguan pada sistem. Silakan ulangi beberapa saat lagi; "
        "apabila gangguan berlanjut, mohon hubungi operator bot.",
    ),
    # --- trackers ----------------------------------------------------------------------------
    "setup_needs_deadline": (
        "A new tracker needs a deadline: {usage}",
        "Pemantauan baru memerlukan tenggat: {usage}",
    ),
    "tracker_created": (
        "🔗 Created <b>{title}</b> ({key}).",
        "🔗 Pemantauan <b>{title}</b> ({key}) telah dibuat.",
    ),
    "tracker_linked": (
        "🔗 Linked this chat to <b>{title}</b> ({key}).",
        "🔗 Obrolan ini telah terhubung ke <b>{title}</b> ({key}).",
    ),
    "tracker_next_steps": (
        "Next: <code>/workstream add payments Payments</code>, then "
        "<code>/grant @username reporter</code>.",
        "Langkah berikutnya: <code>/workstream add payments Pembayaran</code>, kemudian "
        "<code>/grant @username reporter</code>.",
    ),
    "deadline_line": ("deadline {date} · {left}", "tenggat {date} · {left}"),
    "deadline_moved": (
        "📅 Deadline of <b>{title}</b> moved from {old} to {new} · {left}",
        "📅 Tenggat <b>{title}</b> diubah dari {old} menjadi {new} · {left}",
    ),
    "deadline_show": ("📅 <b>{title}</b>: {line}", "📅 <b>{title}</b>: {line}"),
    "due_today": ("due today", "tenggat hari ini"),
    # --- workstreams ---------------------------------------------------------------------------
    "no_workstream": (
        "<b>{tracker}</b> has no workstream {key}. {hint}",
        "<b>{tracker}</b> tidak memiliki komponen {key}. {hint}",
    ),
    "workstream_archived": (
        "🗄 Archived <b>{title}</b>: it no longer counts; its history is kept. "
        "{restore} brings it back.",
        "🗄 <b>{title}</b> diarsipkan: komponen ini tidak lagi dihitung; riwayatnya tetap "
        "disimpan. {restore} memulihkannya.",
    ),
    "workstream_added": ("➕ Added", "➕ Ditambahkan:"),
    "workstream_restored": ("♻️ Restored", "♻️ Dipulihkan:"),
    "workstream_updated": ("✏️ Updated", "✏️ Diperbarui:"),
    "workstream_saved": (
        "{verb} <b>{title}</b> ({key}, weight {weight}) in <b>{tracker}</b>.\nReport with {example}",
        "{verb} <b>{title}</b> ({key}, bobot {weight}) di <b>{tracker}</b>.\n"
        "Laporkan kemajuannya dengan {example}",
    ),
    "workstreams_title": ("🧩 <b>{tracker}</b> — workstreams", "🧩 <b>{tracker}</b> — komponen"),
    "workstreams_none": (
        "None yet: an admin adds one with /workstream add &lt;key&gt; [title].",
        "Belum ada komponen: admin dapat menambahkannya dengan "
        "/workstream add &lt;kode&gt; [judul].",
    ),
    "workstreams_line": (
        "{key} {title} · weight {weight} ({share}%)",
        "{key} {title} · bobot {weight} ({share}%)",
    ),
    # --- members -----------------------------------------------------------------------------
    "unknown_username": (
        "I don't know {username} yet: they must first send me a message (e.g. /start in a "
        "private chat), or use their numeric user id, or reply to one of their messages.",
        "{username} belum dikenal oleh Pantau: yang bersangkutan perlu mengirim pesan kepada "
        "Pantau terlebih dahulu (misalnya /start di obrolan pribadi). Anda juga dapat "
        "menggunakan ID pengguna berupa angka, atau membalas salah satu pesan dari yang "
        "bersangkutan.",
    ),
    "already_role": (
        "👤 {name} already is {role} of <b>{tracker}</b>.",
        "👤 {name} sudah menjadi {role} di <b>{tracker}</b>.",
    ),
    "now_role": (
        "👤 {name} is now {role} of <b>{tracker}</b>.",
        "👤 {name} sekarang menjadi {role} di <b>{tracker}</b>.",
    ),
    "no_role": (
        "{name} has no role in <b>{tracker}</b>.",
        "{name} tidak memiliki peran di <b>{tracker}</b>.",
    ),
    "last_admin": (
        "{name} is the last admin of <b>{tracker}</b>: grant someone else admin first ({example}).",
        "{name} adalah admin terakhir <b>{tracker}</b>: tetapkan anggota lain sebagai admin "
        "terlebih dahulu ({example}).",
    ),
    "role_revoked": (
        "👤 {name} is no longer {role} of <b>{tracker}</b>.",
        "👤 {name} tidak lagi menjadi {role} di <b>{tracker}</b>.",
    ),
    "still_global_admin": (
        "(They stay admin everywhere through PANTAU_ADMIN_IDS.)",
        "(Yang bersangkutan tetap menjadi admin di semua pemantauan melalui PANTAU_ADMIN_IDS.)",
    ),
    # --- reports -----------------------------------------------------------------------------
    "already_recorded": (
        "✅ Already recorded: <b>{title}</b>.",
        "✅ Sudah tercatat: <b>{title}</b>.",
    ),
    "update_done": (
        "✅ <b>{title}</b>: {percent}% ({change})",
        "✅ <b>{title}</b>: {percent}% ({change})",
    ),
    "update_overall": (
        "Overall <b>{overall}%</b> ({change}) · {left}",
        "Capaian keseluruhan <b>{overall}%</b> ({change}) · {left}",
    ),
    # Several acknowledgements in one message, when a group is over Telegram's budget.
    "acks_merged": (
        "✅ {count} reports recorded: {items}",
        "✅ {count} laporan tercatat: {items}",
    ),
    "update_lower": (
        "⚠️ Lower than before ({before}% → {after}%). If that is intended, say why in a note: "
        "{example}",
        "⚠️ Lebih rendah daripada sebelumnya ({before}% → {after}%). Jika memang demikian, "
        "mohon jelaskan alasannya dalam catatan: {example}",
    ),
    "nothing_to_undo": (
        "You have no report to undo in <b>{tracker}</b>.",
        "Anda tidak memiliki laporan yang dapat dibatalkan di <b>{tracker}</b>.",
    ),
    "already_undone": ("↩️ Already undone.", "↩️ Laporan tersebut sudah dibatalkan."),
    "undone": (
        "↩️ Undone: <b>{title}</b> {percent}% from {when}.",
        "↩️ Dibatalkan: laporan <b>{title}</b> {percent}% yang dikirim {when}.",
    ),
    "undone_now": ("{title} is now {percent}% · ", "{title} kini {percent}% · "),
    "undone_overall": (
        "{now}overall <b>{overall}%</b> · {left}",
        "{now}capaian keseluruhan <b>{overall}%</b> · {left}",
    ),
    # --- status and history --------------------------------------------------------------------
    "overall_line": (
        "<b>{overall}%</b> overall · {deadline}",
        "Capaian keseluruhan <b>{overall}%</b> · {deadline}",
    ),
    "status_no_workstreams": (
        "No workstreams yet: an admin adds one with /workstream add &lt;key&gt;.",
        "Belum ada komponen: admin dapat menambahkannya dengan /workstream add &lt;kode&gt;.",
    ),
    "no_report_yet": ("no report yet", "belum ada laporan"),
    "never_reported": ("⚠️ Never reported: {names}", "⚠️ Belum pernah dilaporkan: {names}"),
    "at_risk_line": ("🚩 At risk: {names}", "🚩 Berisiko: {names}"),
    "none_yet": ("none yet", "belum ada"),
    "undone_mark": ("(undone)", "(dibatalkan)"),
    "history_empty": ("No reports yet. Send {example}", "Belum ada laporan. Kirim {example}"),
    "ws_trend": ("{state} {pace}/wk", "{state} {pace}/minggu"),
    "whole_line": (
        "Trend {pace} pts/week (needs {needed}) · {finish} · {state}",
        "Tren {pace} poin/minggu (diperlukan {needed}) · {finish} · {state}",
    ),
    "whole_no_data": ("Trend: not enough data yet · {state}", "Tren: data belum cukup · {state}"),
    "finish_on": ("finish {date}", "perkiraan selesai {date}"),
    "finish_none": (
        "finish not at this pace",
        "perkiraan selesai: tidak tercapai dengan laju ini",
    ),
    # A cell of the workbook's "projected finish" column, whose header already says what it is.
    "finish_never": ("not at this pace", "tidak tercapai dengan laju ini"),
    "needed_none": ("—", "—"),
    "state_done": ("✅ done", "✅ selesai"),
    "state_on_track": ("🟢 on track", "🟢 sesuai target"),
    "state_at_risk": ("🔴 at risk", "🔴 berisiko"),
    "state_stalled": ("⏸ stalled", "⏸ terhenti"),
    "state_overdue": ("⛔ overdue", "⛔ melewati tenggat"),
    "state_no_data": ("⚪ no trend yet", "⚪ belum ada tren"),
    # --- help --------------------------------------------------------------------------------
    "intro": (
        "👋 <b>Pantau</b> tracks progress towards a compliance deadline.\n"
        "Staff report with <code>/update payments 100</code>; anyone here asks /status.",
        "👋 <b>Pantau</b> memantau kemajuan menuju tenggat kepatuhan.\n"
        "Staf melaporkan kemajuan dengan <code>/update payments 100</code>; siapa pun di sini "
        "dapat melihat posisi terkini dengan /status.",
    ),
    "help_no_tracker_private": (
        "You are not a member of any tracker yet.",
        "Anda belum menjadi anggota pemantauan mana pun.",
    ),
    "help_no_tracker_group": (
        "This chat is not linked to a tracker yet.",
        "Obrolan ini belum terhubung ke pemantauan mana pun.",
    ),
    "help_ask_admin": (
        "An admin links it with <code>/setup &lt;tracker-key&gt;</code>; ask them to add you "
        "with /grant.",
        "Admin dapat menghubungkannya dengan <code>/setup &lt;kode-pemantauan&gt;</code>; "
        "mintalah admin menambahkan Anda dengan /grant.",
    ),
    "help_tracker": ("Tracker: <b>{title}</b>", "Pemantauan: <b>{title}</b>"),
    "help_you_are": (" · you are {role}", " · peran Anda: {role}"),
    "help_ask_reporter": (
        "To report progress, ask an admin to /grant you the reporter role.",
        "Untuk melaporkan kemajuan, mintalah admin memberi Anda peran pelapor dengan /grant.",
    ),
    "help_status": ("where things stand", "posisi terkini"),
    "help_workstreams": ("the workstreams and their weights", "komponen dan bobotnya"),
    "help_history": ("the last reports with notes", "laporan terakhir beserta catatannya"),
    "help_deadline": ("the deadline and days left", "tenggat dan sisa hari"),
    "help_digest": ("post the digest now", "kirim ringkasan sekarang"),
    "help_schedule": ("when digests come here", "jadwal ringkasan di sini"),
    "help_chart": ("burn-up chart", "grafik kemajuan"),
    "help_update": ("report progress", "laporkan kemajuan"),
    "help_undo": ("take back your last report", "batalkan laporan terakhir Anda"),
    "help_setup": ("create or link a tracker", "buat atau hubungkan pemantauan"),
    "help_workstream_add": ("add a workstream", "tambahkan komponen"),
    "help_workstream_remove": ("archive a workstream", "arsipkan komponen"),
    "help_grant": ("give a role", "berikan peran"),
    "help_revoke": ("take a role away", "cabut peran"),
    "help_deadline_move": ("move the deadline", "ubah tenggat"),
    "help_schedule_set": ("digests for this chat", "jadwal ringkasan untuk obrolan ini"),
    "help_quiet": (
        "days of silence before a nudge",
        "jumlah hari tanpa laporan sebelum pengingat laporan dikirim",
    ),
    "help_export": ("the audit trail as a file", "jejak audit sebagai berkas"),
    "help_lang": ("language of this chat", "bahasa obrolan ini"),
    # --- the command menu (plain text: Telegram shows it as typed) -----------------------------
    "menu_status": ("Where things stand", "Posisi terkini"),
    "menu_update": (
        "Report progress: /update &lt;workstream&gt; &lt;percent&gt; [note]",
        "Laporkan kemajuan: /update &lt;komponen&gt; &lt;persen&gt; [catatan]",
    ),
    "menu_history": ("Last reports of a workstream", "Laporan terakhir suatu komponen"),
    "menu_undo": ("Take back your last report", "Batalkan laporan terakhir Anda"),
    "menu_chart": ("Burn-up chart", "Grafik kemajuan"),
    "menu_digest": ("Post the digest now", "Kirim ringkasan sekarang"),
    "menu_workstreams": ("Workstreams and weights", "Komponen dan bobotnya"),
    "menu_deadline": ("Deadline and days left", "Tenggat dan sisa hari"),
    "menu_help": ("What you can do here", "Perintah yang dapat Anda gunakan di sini"),
    # --- digests, reminders, nudges ------------------------------------------------------------
    "digest_title": ("🗞 <b>Digest · {title}</b>", "🗞 <b>Ringkasan · {title}</b>"),
    "digest_late": (
        "<i>Late: due {when}, sent when the bot was back.</i>",
        "<i>Tertunda: dijadwalkan {when}, dikirim setelah bot aktif kembali.</i>",
    ),
    "digest_since": (" ({change} since the last digest)", " ({change} sejak ringkasan terakhir)"),
    "digest_overall": (
        "<b>{overall}%</b> overall{since} · {left} ({deadline})",
        "Capaian keseluruhan <b>{overall}%</b>{since} · {left} ({deadline})",
    ),
    "digest_new": (" (new)", " (baru)"),
    "digest_line": (
        "• {title} <b>{percent}%</b>{delta}{who}",
        "• {title} <b>{percent}%</b>{delta}{who}",
    ),
    "digest_who": (" — {name}, {day}", " — {name}, {day}"),
    "digest_nobody": (" — no report yet", " — belum ada laporan"),
    "digest_empty": ("No workstreams yet.", "Belum ada komponen."),
    "digest_undone": (
        "↩️ Undone since the last digest:",
        "↩️ Laporan yang dibatalkan sejak ringkasan terakhir:",
    ),
    "digest_undone_week": (
        "↩️ Undone in the last {days} days:",
        "↩️ Laporan yang dibatalkan dalam {days} hari terakhir:",
    ),
    "digest_undone_line": (
        "• {name} took back {title} {percent}% (reported {day})",
        "• {name} membatalkan laporan {title} {percent}% (dilaporkan {day})",
    ),
    "digest_undone_more": (
        "• and more: see /history &lt;workstream&gt;",
        "• dan laporan lainnya: lihat /history &lt;komponen&gt;",
    ),
    "digest_down": ("📉 Went down: {items}", "📉 Turun: {items}"),
    "reminder_ahead": (
        "⏳ <b>{left}</b> until the deadline of <b>{title}</b> ({deadline}).",
        "⏳ Tenggat <b>{title}</b> ({deadline}): <b>{left}</b>.",
    ),
    "reminder_today": (
        "🚩 <b>Deadline day</b> for <b>{title}</b> ({deadline}).",
        "🚩 <b>Hari ini adalah tenggat</b> <b>{title}</b> ({deadline}).",
    ),
    "reminder_overdue": (
        "⚠️ <b>{title}</b> is <b>{left}</b> ({deadline}).",
        "⚠️ <b>{title}</b> telah melewati tenggat ({deadline}): <b>{left}</b>.",
    ),
    "reminder_late": (
        "<i>Late: sent when the bot was back.</i>",
        "<i>Tertunda: dikirim setelah bot aktif kembali.</i>",
    ),
    "reminder_all_done": (
        "Overall <b>{overall}%</b>: every workstream is done. 🎉",
        "Capaian keseluruhan <b>{overall}%</b>: semua komponen telah selesai. 🎉",
    ),
    "reminder_below": (
        "Overall <b>{overall}%</b>. Still below 100%:",
        "Capaian keseluruhan <b>{overall}%</b>. Yang masih di bawah 100%:",
    ),
    "nudge_last": (
        "last: {percent}% by {name} on {day}",
        "laporan terakhir: {percent}% oleh {name} pada {day}",
    ),
    "nudge_never": ("never reported", "belum pernah dilaporkan"),
    # --- schedules ---------------------------------------------------------------------------
    "every_day": ("every day at {time}", "setiap hari pukul {time}"),
    "weekdays": ("Monday to Friday at {time}", "Senin sampai dengan Jumat pukul {time}"),
    "every_weekday": ("every {day} at {time}", "setiap {day} pukul {time}"),
    "zone_named": ("{zone} time", "waktu {zone}"),
    "schedule_needs_link": (
        "Schedules belong to a linked chat. Link this one with "
        "<code>/setup &lt;tracker-key&gt;</code> first.",
        "Jadwal hanya berlaku untuk obrolan yang terhubung ke pemantauan. Hubungkan obrolan "
        "ini terlebih dahulu dengan <code>/setup &lt;kode-pemantauan&gt;</code>.",
    ),
    "schedule_none": (
        "No scheduled digest in this chat. An admin sets one with "
        "<code>/schedule weekdays 09:00</code>.",
        "Belum ada ringkasan terjadwal di obrolan ini. Admin dapat mengaturnya dengan "
        "<code>/schedule weekdays 09.00</code>.",
    ),
    "schedule_show": (
        "🗓 Digest here {when} ({tz}).",
        "🗓 Ringkasan di sini {when} ({tz}).",
    ),
    "schedule_off": (
        "🗓 No more scheduled digests here. Deadline reminders go on at 09:00 ({tz}).",
        "🗓 Ringkasan terjadwal di sini telah dihentikan. Pengingat tenggat tetap dikirim "
        "pukul 09.00 ({tz}).",
    ),
    "schedule_set": (
        "🗓 Digest here {when} ({tz}), replacing any earlier schedule. "
        "Deadline reminders come at the same time.",
        "🗓 Ringkasan di sini {when} ({tz}), menggantikan jadwal sebelumnya. "
        "Pengingat tenggat dikirim pada waktu yang sama.",
    ),
    # --- language, charts, exports -------------------------------------------------------------
    "lang_show": (
        "🌐 This chat reads English. {hint}",
        "🌐 Obrolan ini berbahasa Indonesia. {hint}",
    ),
    "lang_hint": (
        "An admin changes it with <code>/lang id</code> or <code>/lang en</code>.",
        "Admin dapat menggantinya dengan <code>/lang en</code> atau <code>/lang id</code>.",
    ),
    "lang_set": (
        "🌐 This chat now reads English.",
        "🌐 Obrolan ini sekarang berbahasa Indonesia.",
    ),
    "chart_title": ("{title} · {date}", "{title} · {date}"),
    "chart_recent": (
        "📈 A chart was sent here less than 30 seconds ago: it is just above. "
        "Ask again in {seconds} s for a new one.",
        "📈 Grafik kemajuan baru saja dikirim di sini (kurang dari 30 detik yang lalu). "
        "Mohon minta kembali dalam {seconds} detik untuk grafik yang baru.",
    ),
    "chart_caption": ("📈 Burn-up of <b>{title}</b>", "📈 Grafik kemajuan <b>{title}</b>"),
    "chart_overall": ("Overall", "Capaian keseluruhan"),
    "chart_deadline": ("Deadline", "Tenggat"),
    "chart_percent": ("% done", "% selesai"),
    "chart_no_reports": (
        "No reports yet: nothing to draw.",
        "Belum ada laporan, sehingga belum ada yang dapat digambarkan.",
    ),
    "sheet_summary": ("Summary", "Ikhtisar"),
    "sheet_trail": ("Reports", "Laporan"),
    # --- trust: who may do what, linking, archiving, edits (issue 10) ------------------------
    "not_yourself": (
        "🙅 Send this as yourself, not anonymously or as a channel.",
        "🙅 Mohon kirim perintah ini atas nama Anda sendiri, bukan secara anonim atau "
        "sebagai kanal.",
    ),
    "service_account": (
        "{id} is one of Telegram's stand-in accounts (anonymous admins, channels), not a "
        "person: it cannot hold a role. Give the role to the person's own account.",
        "{id} adalah akun pengganti milik Telegram (admin anonim, kanal), bukan akun perorangan: akun "
        "ini tidak dapat memiliki peran. Berikan peran kepada akun pribadi yang bersangkutan.",
    ),
    "group_only": (
        "This works in the tracker's group, not in a private chat.",
        "Perintah ini hanya dapat digunakan di grup pemantauan, bukan di obrolan pribadi.",
    ),
    "only_operators": (
        "Only the bot's operators can do that in a chat that follows no tracker. Once an admin"
        " links it with <code>/setup &lt;key&gt;</code>, the tracker's admins can.",
        "Hanya operator bot yang dapat melakukannya di obrolan yang belum terhubung ke"
        " pemantauan. Setelah admin menghubungkannya dengan <code>/setup &lt;kode&gt;</code>,"
        " admin pemantauan tersebut dapat melakukannya.",
    ),
    "its_admins": ("its admins", "admin pemantauan tersebut"),
    "key_refused": (
        "There is no tracker {key} that you administer: check the key, or ask the tracker's "
        "admin to do it.{operators}",
        "Tidak ada pemantauan dengan kode {key} yang Anda kelola: periksa kembali kodenya, "
        "atau mintalah admin pemantauan tersebut melakukannya.{operators}",
    ),
    "key_refused_operators": (
        " New trackers are created by the bot's operators.",
        " Pemantauan baru dibuat oleh operator bot.",
    ),
    "tracker_archived": (
        "🗄 <b>{tracker}</b> is archived: it can be read, but not changed. An admin brings it "
        "back with {restore}.",
        "🗄 <b>{tracker}</b> telah diarsipkan: datanya dapat dibaca, tetapi tidak dapat diubah. "
        "Admin dapat memulihkannya dengan {restore}.",
    ),
    "tracker_archived_link": (
        "🗄 <b>{tracker}</b> is archived and cannot be linked. Restore it first with {restore}.",
        "🗄 <b>{tracker}</b> telah diarsipkan dan tidak dapat dihubungkan. Pulihkan terlebih "
        "dahulu dengan {restore}.",
    ),
    "setup_moved": (
        "↪️ This chat moved from <b>{old}</b> to <b>{new}</b>. Its digest schedule ({schedule}) "
        "and language ({language}) moved with it. The admins of <b>{old}</b> see the move in "
        "/trackers; {back} moves it back.",
        "↪️ Obrolan ini dipindahkan dari <b>{old}</b> ke <b>{new}</b>. Jadwal ringkasan "
        "({schedule}) dan bahasanya ({language}) ikut dipindahkan. Admin <b>{old}</b> dapat "
        "melihat perpindahan ini di /trackers; {back} mengembalikannya.",
    ),
    "setup_same": (
        "(This chat already followed it: its digest schedule ({schedule}) and language "
        "({language}) are unchanged.)",
        "(Obrolan ini sudah terhubung ke pemantauan tersebut: jadwal ringkasan ({schedule}) "
        "dan bahasanya ({language}) tidak berubah.)",
    ),
    "setup_created_elsewhere": (
        "If the key was a typo, {back} moves this chat back and {archive} puts the new "
        "tracker away.",
        "Jika kodenya salah ketik, {back} mengembalikan obrolan ini dan {archive} "
        "mengarsipkan pemantauan yang baru dibuat.",
    ),
    "schedule_none_short": ("none", "tidak ada"),
    "language_en": ("English", "bahasa Inggris"),
    "language_id": ("Bahasa Indonesia", "bahasa Indonesia"),
    "trackers_none": (
        "You do not belong to any tracker yet.",
        "Anda belum menjadi anggota pemantauan mana pun.",
    ),
    "trackers_title": ("📋 <b>Your trackers</b>", "📋 <b>Pemantauan Anda</b>"),
    "trackers_line": (
        "• <b>{title}</b> ({key}) · you are {role}{archived}",
        "• <b>{title}</b> ({key}) · peran Anda: {role}{archived}",
    ),
    "trackers_archived_mark": (" · 🗄 archived", " · 🗄 diarsipkan"),
    "trackers_chats": ("  followed by: {chats}", "  diikuti oleh: {chats}"),
    "trackers_no_chats": ("  followed by no chat", "  belum diikuti obrolan mana pun"),
    "trackers_private_chat": ("a private chat", "obrolan pribadi"),
    "trackers_event": ("  {when}: {what}", "  {when}: {what}"),
    "event_chat_linked": (
        "{chat} linked by {who}",
        "{chat} dihubungkan oleh {who}",
    ),
    "event_chat_moved_away": (
        "{chat} moved to {detail} by {who}",
        "{chat} dipindahkan ke {detail} oleh {who}",
    ),
    "event_archived": ("archived by {who}", "diarsipkan oleh {who}"),
    "event_restored": ("restored by {who}", "dipulihkan oleh {who}"),
    "archived_now": (
        "🗄 Archived <b>{tracker}</b> ({key}): it sends nothing, cannot be linked and keeps "
        "every report. {restore} brings it back.",
        "🗄 <b>{tracker}</b> ({key}) diarsipkan: tidak mengirim apa pun, tidak dapat "
        "dihubungkan, dan seluruh laporannya tetap disimpan. {restore} memulihkannya.",
    ),
    "already_archived": (
        "🗄 <b>{tracker}</b> is already archived.",
        "🗄 <b>{tracker}</b> sudah diarsipkan.",
    ),
    "restored_now": (
        "♻️ Restored <b>{tracker}</b> ({key}): its chats get digests and reminders again.",
        "♻️ <b>{tracker}</b> ({key}) dipulihkan: obrolannya kembali menerima ringkasan dan "
        "pengingat tenggat.",
    ),
    "not_archived": (
        "<b>{tracker}</b> is not archived.",
        "<b>{tracker}</b> tidak dalam keadaan diarsipkan.",
    ),
    "edit_undone": (
        "✏️ That report was undone, so an edit cannot bring it back. Send a new {example} instead.",
        "✏️ Laporan tersebut telah dibatalkan, sehingga suntingan tidak dapat memulihkannya. "
        "Mohon kirim {example} yang baru.",
    ),
    "edit_other_tracker": (
        "✏️ That report belongs to <b>{old}</b>, and this chat now follows <b>{new}</b>: an "
        "edit cannot move it. Send a new {example} instead.",
        "✏️ Laporan tersebut milik <b>{old}</b>, sedangkan obrolan ini kini terhubung ke "
        "<b>{new}</b>: suntingan tidak dapat memindahkannya. Mohon kirim {example} yang baru.",
    ),
    "edit_too_old": (
        "✏️ A report can be corrected by editing for {hours} hours. Send a new {example} "
        "with a note saying why.",
        "✏️ Laporan hanya dapat dikoreksi dengan menyunting pesan dalam {hours} jam. Mohon "
        "kirim {example} yang baru beserta catatan alasannya.",
    ),
    "private_link_removed": (
        "Their private chat no longer follows <b>{tracker}</b> (and gets no digests from it).",
        "Obrolan pribadi yang bersangkutan tidak lagi terhubung ke <b>{tracker}</b> (dan tidak "
        "lagi menerima ringkasannya).",
    ),
    "help_help": ("what you may do here", "apa yang dapat Anda lakukan di sini"),
    "help_trackers": (
        "the trackers you belong to and the chats that follow each",
        "pemantauan yang Anda ikuti dan obrolan yang terhubung ke masing-masing",
    ),
    "help_quiet_show": (
        "days of silence before a workstream is nudged",
        "jumlah hari tanpa laporan sebelum sebuah komponen diberi pengingat laporan",
    ),
    "help_lang_show": ("the language of this chat", "bahasa obrolan ini"),
    "help_archive": (
        "archive a tracker: it sends nothing, keeps every report",
        "arsipkan pemantauan: tidak mengirim apa pun, seluruh laporan tetap disimpan",
    ),
    "help_restore": ("restore an archived tracker", "pulihkan pemantauan yang diarsipkan"),
    "digest_needs_link": (
        "Digests come to a linked chat. An admin links this one with "
        "<code>/setup &lt;key&gt;</code>; /status answers here now.",
        "Ringkasan dikirim ke obrolan yang terhubung. Admin dapat menghubungkan obrolan ini "
        "dengan <code>/setup &lt;kode&gt;</code>; /status dapat digunakan di sini sekarang.",
    ),
    "tracker_key_usage": ("Type {usage}, e.g. {example}", "Ketik {usage}, misalnya {example}"),
    # --- issue 11: answers off the happy path --------------------------------------------------
    "bad_date_day": (
        "{token} is not a real date: {month} has {days} days.",
        "{token} bukan tanggal yang ada: {month} hanya memiliki {days} hari.",
    ),
    "bad_date_month": (
        "{token} is not a real date: there is no month {month}; use 01 to 12.",
        "{token} bukan tanggal yang ada: tidak ada bulan {month}; gunakan 01 sampai 12.",
    ),
    "xlsx_report_id": ("Report id", "ID laporan"),
    "xlsx_time": ("Time ({tz})", "Waktu ({tz})"),
    "xlsx_workstream": ("Workstream", "Komponen"),
    "xlsx_percent": ("Percent", "Persen"),
    "xlsx_note": ("Note", "Catatan"),
    "xlsx_reporter_id": ("Reporter id", "ID pelapor"),
    "xlsx_reporter": ("Reporter", "Pelapor"),
    "xlsx_chat_id": ("Chat id", "ID obrolan"),
    "xlsx_message_id": ("Message id", "ID pesan"),
    "xlsx_undone": ("Undone at ({tz})", "Dibatalkan pada ({tz})"),
    "xlsx_recorded": ("Received at ({tz})", "Diterima pada ({tz})"),
    "xlsx_undone_by": ("Undone by (user id)", "Dibatalkan oleh (ID pengguna)"),
    "xlsx_revision": ("Revision", "Revisi"),
    "xlsx_corrects": ("Corrects report id", "Mengoreksi ID laporan"),
    "xlsx_evidence": ("Evidence (name, SHA-256)", "Bukti (nama, SHA-256)"),
    "xlsx_event_hash": ("Event hash (audit trail)", "Hash peristiwa (jejak audit)"),
    "xlsx_key": ("Key", "Kode"),
    "xlsx_title": ("Title", "Judul"),
    "xlsx_weight": ("Weight", "Bobot"),
    "xlsx_latest": ("Latest %", "Persen terakhir"),
    "xlsx_pace": ("Pace (points/week)", "Laju (poin/minggu)"),
    "xlsx_finish": ("Projected finish", "Perkiraan selesai"),
    "xlsx_state": ("State", "Status"),
    "plain_text_private": (
        "I read commands only: send /help to see what you can do here.",
        "Pesan biasa tidak diproses: kirim /help untuk melihat perintah yang dapat Anda gunakan.",
    ),
}

# Messages with a count: key → (the count's parameter, English forms, Indonesian forms), each
# form keyed by its CLDR plural category as Babel names it ("one", "other"). Indonesian does not
# inflect for number, so its only form is "other": "1 hari", "2 hari".
PLURALS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "days_left": (
        "n",
        {"one": "{n} day left", "other": "{n} days left"},
        {"other": "sisa {n} hari"},
    ),
    "overdue": (
        "n",
        {"one": "{n} day overdue", "other": "{n} days overdue"},
        {"other": "terlambat {n} hari"},
    ),
    "last_reports": (
        "count",
        {"one": "Last report:", "other": "Last {count} reports:"},
        {"other": "{count} laporan terakhir:"},
    ),
    "history_title": (
        "count",
        {
            "one": "🗂 <b>{title}</b> — last report",
            "other": "🗂 <b>{title}</b> — last {count} reports",
        },
        {"other": "🗂 <b>{title}</b> — {count} laporan terakhir"},
    ),
    "digest_quiet": (
        "days",
        {
            "one": "😴 No report for {days}+ day: {names}",
            "other": "😴 No report for {days}+ days: {names}",
        },
        {"other": "😴 Tanpa laporan selama {days} hari atau lebih: {names}"},
    ),
    "nudge": (
        "days",
        {
            "one": "😴 <b>{title}</b> has had no report for {days} day ({last}).\n"
            "News? Send <code>/update {key} &lt;percent&gt; [note]</code>",
            "other": "😴 <b>{title}</b> has had no report for {days} days ({last}).\n"
            "News? Send <code>/update {key} &lt;percent&gt; [note]</code>",
        },
        {
            "other": "😴 Belum ada laporan untuk <b>{title}</b> selama {days} hari ({last}).\n"
            "Ada perkembangan? Kirim <code>/update {key} &lt;persen&gt; [catatan]</code>",
        },
    ),
    "quiet_show": (
        "days",
        {
            "one": "😴 <b>{tracker}</b>: a workstream below 100% is nudged after {days} day without a report.",
            "other": "😴 <b>{tracker}</b>: a workstream below 100% is nudged after {days} days without a report.",
        },
        {
            "other": "😴 <b>{tracker}</b>: komponen di bawah 100% mendapat pengingat laporan setelah "
            "{days} hari tanpa laporan.",
        },
    ),
    "quiet_set": (
        "days",
        {
            "one": "😴 <b>{tracker}</b>: workstreams are now nudged after {days} day without a report.",
            "other": "😴 <b>{tracker}</b>: workstreams are now nudged after {days} days without a report.",
        },
        {
            "other": "😴 <b>{tracker}</b>: komponen kini mendapat pengingat laporan setelah {days} hari "
            "tanpa laporan.",
        },
    ),
    "export_caption": (
        "count",
        {
            "one": "🧾 Audit trail of <b>{title}</b>: {count} report.",
            "other": "🧾 Audit trail of <b>{title}</b>: {count} reports.",
        },
        {"other": "🧾 Jejak audit <b>{title}</b>: {count} laporan."},
    ),
}


def _merge_topics() -> None:
    # Topic catalogues live in their own modules (they import nothing from here).
    from domain.catalog_checkin import CHECKIN_CATALOG

    CATALOG.update(CHECKIN_CATALOG)
    # Evidence, the audit trail and portfolios.
    CATALOG.update(AUDIT_CATALOG)


_merge_topics()
