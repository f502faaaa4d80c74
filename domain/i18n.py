"""Every user-facing text, in English and Bahasa Indonesia, in one catalogue.

``t(lang, key, **params)`` fills a template. Parameters are HTML-escaped unless they are
``Html`` (already-safe markup) or ``Msg`` (another catalogue entry, rendered in the same
language), so user text can never become markup. A test checks that every entry exists in both
languages with the same placeholders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from html import escape
from typing import Any, Protocol, runtime_checkable

from babel import Locale

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

    def render(self, lang: str) -> str:
        return t(lang, self.key, **self.params)


def msg(key: str, /, **params: Any) -> Msg:
    return Msg(key, params)


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


@cache
def _plural_rule(lang: str) -> Callable[[float], str]:
    return Locale.parse(lang).plural_form


def plural_category(lang: str, count: float) -> str:
    """CLDR's plural category of ``count`` in ``lang`` ("one", "other", ...), from Babel."""
    return _plural_rule(lang)(abs(count))


@runtime_checkable
class Localized(Protocol):
    """A parameter rendered in the chat's language when the message is (``Msg``, a month)."""

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
        if isinstance(value, Html | int | float):
            safe[name] = value
        elif isinstance(value, str):
            safe[name] = escape(value)
        elif isinstance(value, Localized):  # a Protocol check is slow: only for the rest
            safe[name] = value.render(lang)
        else:
            safe[name] = escape(str(value))
    return template.format(**safe)


# key: (English, Bahasa Indonesia)
CATALOG: dict[str, tuple[str, str]] = {
    # --- parsing ---------------------------------------------------------------------------
    "bad_key": (
        "{token} is not a valid key: use up to 32 lower-case letters, digits, - or _.\n"
        "Type {usage}",
        "{token} bukan kunci yang sah: gunakan paling banyak 32 huruf kecil, angka, - atau _.\n"
        "Ketik {usage}",
    ),
    "bad_percent": (
        "{token} is not a percentage: use a whole number from 0 to 100, e.g. {a} or {b}.",
        "{token} bukan persentase: gunakan bilangan bulat 0 sampai 100, misalnya {a} atau {b}.",
    ),
    "bad_date_format": (
        "{token} is not a date: write it as YYYY-MM-DD, e.g. 2024-04-12.",
        "{token} bukan tanggal: tulis sebagai YYYY-MM-DD, misalnya 2024-04-12.",
    ),
    "bad_date_real": (
        "{token} is not a real date: check the month and day.",
        "{token} bukan tanggal yang ada: periksa bulan dan harinya.",
    ),
    "deadline_out_of_range": (
        "{token} cannot be a deadline: give a date from {earliest} to {latest}.",
        "{token} tidak dapat menjadi tenggat: gunakan tanggal dari {earliest} sampai {latest}.",
    ),
    "deadline_in_past": (
        "⚠️ This deadline has already passed. If the date is a typo, correct it with {example}.",
        "⚠️ Tenggat ini sudah lewat. Apabila tanggalnya keliru, perbaiki dengan {example}.",
    ),
    "note_too_long": (
        "Your note has {length} characters; the limit is {limit}. "
        "Shorten it and send the command again.",
        "Catatan Anda {length} karakter; batasnya {limit}. "
        "Persingkat lalu kirim perintahnya lagi.",
    ),
    "title_too_long": (
        "The title is too long: at most {limit} characters.",
        "Judulnya terlalu panjang: paling banyak {limit} karakter.",
    ),
    "suggest_close": ("Did you mean {keys}?", "Maksud Anda {keys}?"),
    "suggest_all": ("Workstreams: {keys}", "Alur kerja: {keys}"),
    "suggest_none": (
        "This tracker has no workstreams yet: an admin adds one with /workstream add.",
        "Pelacak ini belum punya alur kerja: admin menambahkannya dengan /workstream add.",
    ),
    "update_usage": (
        "Tell me the workstream and the percentage: {usage}\ne.g. {example}",
        "Sebutkan alur kerja dan persentasenya: {usage}\nmisalnya {example}",
    ),
    "setup_usage": (
        "Name the tracker: {usage}\ne.g. {example}",
        "Sebutkan pelacaknya: {usage}\nmisalnya {example}",
    ),
    "workstream_usage": (
        "Type {usage} or {remove}\ne.g. {example}",
        "Ketik {usage} atau {remove}\nmisalnya {example}",
    ),
    "bad_weight": (
        "{token}: the weight must be a number above 0 (up to 1000), e.g. {example}.",
        "{token}: bobot harus angka di atas 0 (paling besar 1000), misalnya {example}.",
    ),
    "too_many_words": ("Too many words: type {usage}", "Terlalu banyak kata: ketik {usage}"),
    "bad_user_id": (
        "{token} is not a Telegram user id.",
        "{token} bukan id pengguna Telegram.",
    ),
    "bad_target": (
        "{token} is not a @username or a numeric user id.\nType {usage}, "
        "or reply to the person's message.",
        "{token} bukan @username atau id pengguna berupa angka.\nKetik {usage}, "
        "atau balas pesan orang tersebut.",
    ),
    "bad_role": (
        "{token} is not a role: use {reporter} or {admin}.",
        "{token} bukan peran: gunakan {reporter} atau {admin}.",
    ),
    "grant_usage": (
        "Type {usage}\nor reply to the person's message with {example}.",
        "Ketik {usage}\natau balas pesan orang tersebut dengan {example}.",
    ),
    "revoke_usage": (
        "Type {usage}\nor reply to the person's message with {example}.",
        "Ketik {usage}\natau balas pesan orang tersebut dengan {example}.",
    ),
    "history_usage": ("Type {usage}, e.g. {example}", "Ketik {usage}, misalnya {example}"),
    "history_name": ("Name the workstream: {usage}", "Sebutkan alur kerjanya: {usage}"),
    "bad_count": (
        "{token}: the number of reports must be a whole number from 1 to {limit}.",
        "{token}: jumlah laporan harus bilangan bulat 1 sampai {limit}.",
    ),
    "status_usage": ("Type {a} or {b}", "Ketik {a} atau {b}"),
    "deadline_usage": ("Type {a} or {b}", "Ketik {a} atau {b}"),
    "no_args": (
        "{command} takes no arguments: type {command}",
        "{command} tanpa argumen: ketik {command}",
    ),
    "bad_time": (
        "{token} is not a time: use 24-hour HH:MM, e.g. {example}.",
        "{token} bukan jam: gunakan format 24 jam HH:MM, misalnya {example}.",
    ),
    "schedule_usage": (
        "Type {usage} or {off}\ne.g. {example}",
        "Ketik {usage} atau {off}\nmisalnya {example}",
    ),
    "quiet_usage": (
        "Type {usage} with a whole number from 1 to 365, e.g. {example}",
        "Ketik {usage} dengan bilangan bulat 1 sampai 365, misalnya {example}",
    ),
    "lang_usage": (
        "Type {en} for English or {id} for Bahasa Indonesia.",
        "Ketik {en} untuk bahasa Inggris atau {id} untuk Bahasa Indonesia.",
    ),
    "export_usage": ("Type {csv} or {xlsx}", "Ketik {csv} atau {xlsx}"),
    # --- who and where -----------------------------------------------------------------------
    "not_linked": (
        "This chat is not linked to a tracker yet. An admin links it with "
        "<code>/setup &lt;tracker-key&gt;</code>.",
        "Obrolan ini belum terhubung ke pelacak. Admin menghubungkannya dengan "
        "<code>/setup &lt;kunci-pelacak&gt;</code>.",
    ),
    "not_member": (
        "You are not a member of any tracker yet. Use me in your team's group, or ask an "
        "admin to <code>/grant</code> you a role.",
        "Anda belum menjadi anggota pelacak mana pun. Gunakan saya di grup tim Anda, atau "
        "minta admin memberi Anda peran dengan <code>/grant</code>.",
    ),
    "many_trackers": (
        "You belong to {count} trackers ({keys}): choose one with <code>/use &lt;key&gt;</code> "
        "here, or send this in the tracker's group chat.",
        "Anda anggota {count} pemantauan ({keys}): pilih salah satu dengan "
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
        "Hanya {who} <b>{tracker}</b> yang bisa melakukannya. Minta {admins} memberi Anda "
        "peran {role} dengan <code>/grant</code>.",
    ),
    "user_n": ("user {id}", "pengguna {id}"),
    "unknown_command": (
        "I don't know /{command}. Send /help to see what you can do here.",
        "Saya tidak kenal /{command}. Kirim /help untuk melihat apa yang bisa Anda lakukan di sini.",
    ),
    "corrected": (
        "✏️ Corrected <b>{title}</b>: {before}% → {after}% (the first report is kept, marked).",
        "✏️ Dikoreksi <b>{title}</b>: {before}% → {after}% (laporan pertama tetap disimpan, ditandai).",
    ),
    "apology": (
        "😔 Sorry, something went wrong on my side. Please try again in a minute; "
        "if it keeps happening, tell the bot's operator.",
        "😔 Maaf, ada masalah di pihak saya. Silakan coba lagi sebentar lagi; "
        "jika terus terjadi, beri tahu operator bot.",
    ),
    # --- trackers ----------------------------------------------------------------------------
    "setup_needs_deadline": (
        "A new tracker needs a deadline: {usage}",
        "Pelacak baru perlu tenggat: {usage}",
    ),
    "tracker_created": (
        "🔗 Created <b>{title}</b> ({key}).",
        "🔗 <b>{title}</b> ({key}) dibuat.",
    ),
    "tracker_linked": (
        "🔗 Linked this chat to <b>{title}</b> ({key}).",
        "🔗 Obrolan ini terhubung ke <b>{title}</b> ({key}).",
    ),
    "tracker_next_steps": (
        "Next: <code>/workstream add payments Payments</code>, then "
        "<code>/grant @username reporter</code>.",
        "Berikutnya: <code>/workstream add payments Pembayaran</code>, lalu "
        "<code>/grant @username reporter</code>.",
    ),
    "deadline_line": ("deadline {date} · {left}", "tenggat {date} · {left}"),
    "deadline_moved": (
        "📅 Deadline of <b>{title}</b> moved from {old} to {new} · {left}",
        "📅 Tenggat <b>{title}</b> dipindah dari {old} ke {new} · {left}",
    ),
    "deadline_show": ("📅 <b>{title}</b>: {line}", "📅 <b>{title}</b>: {line}"),
    "due_today": ("due today", "jatuh tempo hari ini"),
    # --- workstreams ---------------------------------------------------------------------------
    "no_workstream": (
        "<b>{tracker}</b> has no workstream {key}. {hint}",
        "<b>{tracker}</b> tidak punya alur kerja {key}. {hint}",
    ),
    "workstream_archived": (
        "🗄 Archived <b>{title}</b>: it no longer counts; its history is kept. "
        "{restore} brings it back.",
        "🗄 <b>{title}</b> diarsipkan: tidak lagi dihitung; riwayatnya tetap disimpan. "
        "{restore} mengembalikannya.",
    ),
    "workstream_added": ("➕ Added", "➕ Ditambahkan:"),
    "workstream_restored": ("♻️ Restored", "♻️ Dipulihkan:"),
    "workstream_updated": ("✏️ Updated", "✏️ Diperbarui:"),
    "workstream_saved": (
        "{verb} <b>{title}</b> ({key}, weight {weight}) in <b>{tracker}</b>.\nReport with {example}",
        "{verb} <b>{title}</b> ({key}, bobot {weight}) di <b>{tracker}</b>.\nLaporkan dengan {example}",
    ),
    "workstreams_title": ("🧩 <b>{tracker}</b> — workstreams", "🧩 <b>{tracker}</b> — alur kerja"),
    "workstreams_none": (
        "None yet: an admin adds one with /workstream add &lt;key&gt; [title].",
        "Belum ada: admin menambahkannya dengan /workstream add &lt;kunci&gt; [judul].",
    ),
    "workstreams_line": (
        "{key} {title} · weight {weight} ({share}%)",
        "{key} {title} · bobot {weight} ({share}%)",
    ),
    # --- members -----------------------------------------------------------------------------
    "unknown_username": (
        "I don't know {username} yet: they must first send me a message (e.g. /start in a "
        "private chat), or use their numeric user id, or reply to one of their messages.",
        "Saya belum kenal {username}: orang itu harus mengirim pesan kepada saya dulu "
        "(misalnya /start di obrolan pribadi), atau gunakan id pengguna berupa angka, atau "
        "balas salah satu pesannya.",
    ),
    "already_role": (
        "👤 {name} already is {role} of <b>{tracker}</b>.",
        "👤 {name} sudah menjadi {role} di <b>{tracker}</b>.",
    ),
    "now_role": (
        "👤 {name} is now {role} of <b>{tracker}</b>.",
        "👤 {name} sekarang {role} di <b>{tracker}</b>.",
    ),
    "no_role": (
        "{name} has no role in <b>{tracker}</b>.",
        "{name} tidak punya peran di <b>{tracker}</b>.",
    ),
    "last_admin": (
        "{name} is the last admin of <b>{tracker}</b>: grant someone else admin first ({example}).",
        "{name} adalah admin terakhir <b>{tracker}</b>: jadikan orang lain admin dulu ({example}).",
    ),
    "role_revoked": (
        "👤 {name} is no longer {role} of <b>{tracker}</b>.",
        "👤 {name} tidak lagi menjadi {role} di <b>{tracker}</b>.",
    ),
    "still_global_admin": (
        "(They stay admin everywhere through PANTAU_ADMIN_IDS.)",
        "(Orang ini tetap admin di mana pun lewat PANTAU_ADMIN_IDS.)",
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
        "Keseluruhan <b>{overall}%</b> ({change}) · {left}",
    ),
    "update_lower": (
        "⚠️ Lower than before ({before}% → {after}%). If that is intended, say why in a note: "
        "{example}",
        "⚠️ Lebih rendah dari sebelumnya ({before}% → {after}%). Jika memang begitu, jelaskan "
        "dalam catatan: {example}",
    ),
    "nothing_to_undo": (
        "You have no report to undo in <b>{tracker}</b>.",
        "Anda tidak punya laporan untuk dibatalkan di <b>{tracker}</b>.",
    ),
    "already_undone": ("↩️ Already undone.", "↩️ Sudah dibatalkan."),
    "undone": (
        "↩️ Undone: <b>{title}</b> {percent}% from {when}.",
        "↩️ Dibatalkan: <b>{title}</b> {percent}% dari {when}.",
    ),
    "undone_now": ("{title} is now {percent}% · ", "{title} sekarang {percent}% · "),
    "undone_overall": (
        "{now}overall <b>{overall}%</b> · {left}",
        "{now}keseluruhan <b>{overall}%</b> · {left}",
    ),
    # --- status and history --------------------------------------------------------------------
    "overall_line": (
        "<b>{overall}%</b> overall · {deadline}",
        "<b>{overall}%</b> keseluruhan · {deadline}",
    ),
    "status_no_workstreams": (
        "No workstreams yet: an admin adds one with /workstream add &lt;key&gt;.",
        "Belum ada alur kerja: admin menambahkannya dengan /workstream add &lt;kunci&gt;.",
    ),
    "no_report_yet": ("no report yet", "belum ada laporan"),
    "never_reported": ("⚠️ Never reported: {names}", "⚠️ Belum pernah dilaporkan: {names}"),
    "at_risk_line": ("🚩 At risk: {names}", "🚩 Berisiko: {names}"),
    "last_report_one": ("Last report:", "Laporan terakhir:"),
    "none_yet": ("none yet", "belum ada"),
    "undone_mark": ("(undone)", "(dibatalkan)"),
    "history_empty": ("No reports yet. Send {example}", "Belum ada laporan. Kirim {example}"),
    "ws_trend": ("{state} {pace}/wk", "{state} {pace}/mgg"),
    "whole_line": (
        "Trend {pace} pts/week (needs {needed}) · finish {finish} · {state}",
        "Tren {pace} poin/minggu (perlu {needed}) · selesai {finish} · {state}",
    ),
    "whole_no_data": ("Trend: not enough data yet · {state}", "Tren: data belum cukup · {state}"),
    "finish_never": ("not at this pace", "tidak tercapai dengan laju ini"),
    "needed_none": ("—", "—"),
    "state_done": ("✅ done", "✅ selesai"),
    "state_on_track": ("🟢 on track", "🟢 sesuai jalur"),
    "state_at_risk": ("🔴 at risk", "🔴 berisiko"),
    "state_stalled": ("⏸ stalled", "⏸ mandek"),
    "state_overdue": ("⛔ overdue", "⛔ lewat tenggat"),
    "state_no_data": ("⚪ no trend yet", "⚪ belum ada tren"),
    # --- help --------------------------------------------------------------------------------
    "intro": (
        "👋 <b>Pantau</b> tracks progress towards a compliance deadline.\n"
        "Staff report with <code>/update payments 100</code>; anyone here asks /status.",
        "👋 <b>Pantau</b> memantau kemajuan menuju tenggat kepatuhan.\n"
        "Staf melapor dengan <code>/update payments 100</code>; siapa pun di sini bisa bertanya /status.",
    ),
    "help_no_tracker_private": (
        "You are not a member of any tracker yet.",
        "Anda belum menjadi anggota pelacak mana pun.",
    ),
    "help_no_tracker_group": (
        "This chat is not linked to a tracker yet.",
        "Obrolan ini belum terhubung ke pelacak.",
    ),
    "help_ask_admin": (
        "An admin links it with <code>/setup &lt;tracker-key&gt;</code>; ask them to add you with /grant.",
        "Admin menghubungkannya dengan <code>/setup &lt;kunci-pelacak&gt;</code>; minta mereka menambahkan Anda dengan /grant.",
    ),
    "help_tracker": ("Tracker: <b>{title}</b>", "Pelacak: <b>{title}</b>"),
    "help_you_are": (" · you are {role}", " · Anda {role}"),
    "help_ask_reporter": (
        "To report progress, ask an admin to /grant you the reporter role.",
        "Untuk melapor, minta admin memberi Anda peran pelapor dengan /grant.",
    ),
    "help_status": ("where things stand", "posisi terkini"),
    "help_workstreams": ("the workstreams and their weights", "alur kerja dan bobotnya"),
    "help_history": ("the last reports with notes", "laporan terakhir beserta catatannya"),
    "help_deadline": ("the deadline and days left", "tenggat dan sisa hari"),
    "help_digest": ("post the digest now", "kirim ringkasan sekarang"),
    "help_schedule": ("when digests come here", "jadwal ringkasan di sini"),
    "help_chart": ("burn-up chart", "grafik kemajuan"),
    "help_update": ("report progress", "laporkan kemajuan"),
    "help_undo": ("take back your last report", "batalkan laporan terakhir Anda"),
    "help_setup": ("create or link a tracker", "buat atau hubungkan pelacak"),
    "help_workstream_add": ("add a workstream", "tambah alur kerja"),
    "help_workstream_remove": ("archive a workstream", "arsipkan alur kerja"),
    "help_grant": ("give a role", "beri peran"),
    "help_revoke": ("take a role away", "cabut peran"),
    "help_deadline_move": ("move the deadline", "pindahkan tenggat"),
    "help_schedule_set": ("digests for this chat", "ringkasan untuk obrolan ini"),
    "help_quiet": ("days of silence before a nudge", "hari tanpa laporan sebelum diingatkan"),
    "help_export": ("the audit trail as a file", "jejak audit sebagai berkas"),
    "help_lang": ("language of this chat", "bahasa obrolan ini"),
    # --- digests, reminders, nudges ------------------------------------------------------------
    "digest_title": ("🗞 <b>Digest · {title}</b>", "🗞 <b>Ringkasan · {title}</b>"),
    "digest_late": (
        "<i>Late: due {when}, sent when the bot was back.</i>",
        "<i>Terlambat: jadwalnya {when}, dikirim saat bot aktif kembali.</i>",
    ),
    "digest_since": (" ({change} since the last digest)", " ({change} sejak ringkasan terakhir)"),
    "digest_overall": (
        "<b>{overall}%</b> overall{since} · {left} ({deadline})",
        "<b>{overall}%</b> keseluruhan{since} · {left} ({deadline})",
    ),
    "digest_new": (" (new)", " (baru)"),
    "digest_line": (
        "• {title} <b>{percent}%</b>{delta}{who}",
        "• {title} <b>{percent}%</b>{delta}{who}",
    ),
    "digest_who": (" — {name}, {day}", " — {name}, {day}"),
    "digest_nobody": (" — no report yet", " — belum ada laporan"),
    "digest_empty": ("No workstreams yet.", "Belum ada alur kerja."),
    "digest_undone": (
        "↩️ Undone since the last digest:",
        "↩️ Dibatalkan sejak ringkasan terakhir:",
    ),
    "digest_undone_week": (
        "↩️ Undone in the last {days} days:",
        "↩️ Dibatalkan dalam {days} hari terakhir:",
    ),
    "digest_undone_line": (
        "• {name} took back {title} {percent}% (reported {day})",
        "• {name} membatalkan {title} {percent}% (dilaporkan {day})",
    ),
    "digest_undone_more": (
        "• and more: see /history &lt;workstream&gt;",
        "• dan lainnya: lihat /history &lt;komponen&gt;",
    ),
    "digest_down": ("📉 Went down: {items}", "📉 Turun: {items}"),
    "reminder_ahead": (
        "⏳ <b>{left}</b> until the deadline of <b>{title}</b> ({deadline}).",
        "⏳ <b>{left}</b> menuju tenggat <b>{title}</b> ({deadline}).",
    ),
    "reminder_today": (
        "🚩 <b>Deadline day</b> for <b>{title}</b> ({deadline}).",
        "🚩 <b>Hari tenggat</b> untuk <b>{title}</b> ({deadline}).",
    ),
    "reminder_overdue": (
        "⚠️ <b>{title}</b> is <b>{left}</b> ({deadline}).",
        "⚠️ <b>{title}</b> <b>{left}</b> ({deadline}).",
    ),
    "reminder_late": (
        "<i>Late: sent when the bot was back.</i>",
        "<i>Terlambat: dikirim saat bot aktif kembali.</i>",
    ),
    "reminder_all_done": (
        "Overall <b>{overall}%</b>: every workstream is done. 🎉",
        "Keseluruhan <b>{overall}%</b>: semua alur kerja selesai. 🎉",
    ),
    "reminder_below": (
        "Overall <b>{overall}%</b>. Still below 100%:",
        "Keseluruhan <b>{overall}%</b>. Masih di bawah 100%:",
    ),
    "nudge_last": (
        "last: {percent}% by {name} on {day}",
        "terakhir: {percent}% oleh {name} pada {day}",
    ),
    "nudge_never": ("never reported", "belum pernah dilaporkan"),
    # --- schedules ---------------------------------------------------------------------------
    "every_day": ("every day at {time}", "setiap hari pukul {time}"),
    "weekdays": ("Monday to Friday at {time}", "Senin sampai Jumat pukul {time}"),
    "every_weekday": ("every {day} at {time}", "setiap {day} pukul {time}"),
    "schedule_needs_link": (
        "Schedules belong to a linked chat. Link this one with "
        "<code>/setup &lt;tracker-key&gt;</code> first.",
        "Jadwal berlaku untuk obrolan yang terhubung. Hubungkan obrolan ini dengan "
        "<code>/setup &lt;kunci-pelacak&gt;</code> dulu.",
    ),
    "schedule_none": (
        "No scheduled digest in this chat. An admin sets one with <code>/schedule weekdays 09:00</code>.",
        "Belum ada ringkasan terjadwal di obrolan ini. Admin mengaturnya dengan <code>/schedule weekdays 09:00</code>.",
    ),
    "schedule_show": (
        "🗓 Digest here {when} ({tz} time).",
        "🗓 Ringkasan di sini {when} (waktu {tz}).",
    ),
    "schedule_off": (
        "🗓 No more scheduled digests here. Deadline reminders go on at 09:00.",
        "🗓 Tidak ada lagi ringkasan terjadwal di sini. Pengingat tenggat tetap pukul 09.00.",
    ),
    "schedule_set": (
        "🗓 Digest here {when} ({tz} time), replacing any earlier schedule. "
        "Deadline reminders come at the same time.",
        "🗓 Ringkasan di sini {when} (waktu {tz}), menggantikan jadwal sebelumnya. "
        "Pengingat tenggat datang pada jam yang sama.",
    ),
    # --- language, charts, exports -------------------------------------------------------------
    "lang_show": (
        "🌐 This chat reads English. {hint}",
        "🌐 Obrolan ini berbahasa Indonesia. {hint}",
    ),
    "lang_hint": (
        "An admin changes it with <code>/lang id</code> or <code>/lang en</code>.",
        "Admin menggantinya dengan <code>/lang en</code> atau <code>/lang id</code>.",
    ),
    "lang_set": (
        "🌐 This chat now reads English.",
        "🌐 Obrolan ini sekarang berbahasa Indonesia.",
    ),
    "chart_title": ("{title} · {date}", "{title} · {date}"),
    "chart_caption": ("📈 Burn-up of <b>{title}</b>", "📈 Grafik kemajuan <b>{title}</b>"),
    "chart_overall": ("Overall", "Keseluruhan"),
    "chart_deadline": ("Deadline", "Tenggat"),
    "chart_percent": ("% done", "% selesai"),
    "chart_no_reports": (
        "No reports yet: nothing to draw.",
        "Belum ada laporan: belum ada yang bisa digambar.",
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
        "{id} adalah akun pengganti milik Telegram (admin anonim, kanal), bukan orang: akun "
        "ini tidak dapat memiliki peran. Berikan peran kepada akun pribadi yang bersangkutan.",
    ),
    "group_only": (
        "This works in the tracker's group, not in a private chat.",
        "Perintah ini hanya dapat digunakan di grup pemantauan, bukan di obrolan pribadi.",
    ),
    "only_operators": (
        "Only the bot's operators can do that here.",
        "Hanya operator bot yang dapat melakukannya di sini.",
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
        "• <b>{title}</b> ({key}) · Anda {role}{archived}",
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
    "menu_status": ("Where things stand", "Posisi terkini"),
    "menu_update": (
        "Report progress: /update &lt;workstream&gt; &lt;percent&gt; [note]",
        "Laporkan kemajuan: /update &lt;komponen&gt; &lt;persen&gt; [catatan]",
    ),
    "menu_history": ("Last reports of a workstream", "Laporan terakhir sebuah komponen"),
    "menu_undo": ("Take back your last report", "Batalkan laporan terakhir Anda"),
    "menu_chart": ("Burn-up chart", "Grafik kemajuan"),
    "menu_digest": ("Post the digest now", "Kirim ringkasan sekarang"),
    "menu_workstreams": ("Workstreams and weights", "Komponen dan bobotnya"),
    "menu_deadline": ("Deadline and days left", "Tenggat dan sisa hari"),
    "menu_help": ("What you can do here", "Apa yang dapat Anda lakukan di sini"),
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
        {"other": "😴 Tanpa laporan {days}+ hari: {names}"},
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
            "other": "😴 <b>{title}</b> tanpa laporan selama {days} hari ({last}).\n"
            "Ada kabar? Kirim <code>/update {key} &lt;persen&gt; [catatan]</code>",
        },
    ),
    "quiet_show": (
        "days",
        {
            "one": "😴 <b>{tracker}</b>: a workstream below 100% is nudged after {days} day without a report.",
            "other": "😴 <b>{tracker}</b>: a workstream below 100% is nudged after {days} days without a report.",
        },
        {
            "other": "😴 <b>{tracker}</b>: alur kerja di bawah 100% diingatkan setelah {days} hari tanpa laporan.",
        },
    ),
    "quiet_set": (
        "days",
        {
            "one": "😴 <b>{tracker}</b>: workstreams are now nudged after {days} day without a report.",
            "other": "😴 <b>{tracker}</b>: workstreams are now nudged after {days} days without a report.",
        },
        {
            "other": "😴 <b>{tracker}</b>: alur kerja kini diingatkan setelah {days} hari tanpa laporan.",
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


_merge_topics()
