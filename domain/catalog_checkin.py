"""The catalogue entries of check-ins, owners, holidays, /away and /use (English, Bahasa
Indonesia). ``domain.i18n`` merges them into its catalogue; the same rules hold there."""

from __future__ import annotations

CHECKIN_CATALOG: dict[str, tuple[str, str]] = {
    # --- help -------------------------------------------------------------------------------
    "help_owner_show": (
        "who answers for a workstream",
        "siapa penanggung jawab sebuah komponen",
    ),
    "help_owner": (
        "set who answers for it (asked at check-in time), or off",
        "tetapkan penanggung jawabnya (ditanya pada waktu permintaan laporan), atau off",
    ),
    "help_checkin_show": (
        "when owners are asked for their progress in private",
        "kapan penanggung jawab dimintai laporan secara pribadi",
    ),
    "help_checkin": (
        "ask owners in private at this time (skips weekends and holidays)",
        "minta laporan penanggung jawab secara pribadi pada waktu ini (kecuali akhir pekan dan hari libur)",
    ),
    "help_holidays_show": (
        "whose public holidays pause check-ins",
        "hari libur nasional negara mana yang menjeda permintaan laporan",
    ),
    "help_holidays": (
        "use this country's public holidays, or none",
        "gunakan hari libur nasional negara ini, atau tidak sama sekali",
    ),
    "help_away": (
        "pause your check-ins until you are back, or off",
        "jeda permintaan laporan untuk Anda hingga Anda kembali, atau off",
    ),
    "help_use": (
        "choose the tracker this private chat works on",
        "pilih pemantauan yang digunakan obrolan pribadi ini",
    ),
    "help_update_buttons": (
        "buttons to report each workstream with a tap",
        "tombol untuk melaporkan setiap komponen dengan sekali ketuk",
    ),
    "private_only": (
        "This works in a private chat with Pantau, not in a group.",
        "Perintah ini hanya dapat digunakan di obrolan pribadi dengan Pantau, bukan di grup.",
    ),
    # --- /owner -----------------------------------------------------------------------------
    "owner_usage": (
        "Type {usage}\nfor example {example}, or {off}.",
        "Ketik {usage}\nmisalnya {example}, atau {off}.",
    ),
    "owner_show": (
        "Owners of <b>{title}</b>: {names}.",
        "Penanggung jawab <b>{title}</b>: {names}.",
    ),
    "owner_none": (
        "<b>{title}</b> has no owner yet. An admin sets one with {example}.",
        "<b>{title}</b> belum memiliki penanggung jawab. Admin dapat menetapkannya dengan {example}.",
    ),
    "owner_set": (
        "✅ Owners of <b>{title}</b>: {names}.\n{checkin}",
        "✅ Penanggung jawab <b>{title}</b>: {names}.\n{checkin}",
    ),
    "owner_off": (
        "✅ <b>{title}</b> has no owners now: nobody is asked about it.",
        "✅ <b>{title}</b> kini tanpa penanggung jawab: tidak ada yang dimintai laporannya.",
    ),
    "owner_not_member": (
        "{name} is not a reporter or admin of <b>{tracker}</b>: {grant} first. Nothing changed.",
        "{name} bukan pelapor atau admin <b>{tracker}</b>: jalankan {grant} terlebih dahulu. Tidak ada yang diubah.",
    ),
    "owner_checkin_on": (
        "They are asked in private {when} ({tz} time).",
        "Mereka dimintai laporan secara pribadi {when} (waktu {tz}).",
    ),
    "owner_checkin_off": (
        "Check-ins are off: {example} asks them in private.",
        "Permintaan laporan belum aktif: {example} akan menanyai mereka secara pribadi.",
    ),
    "owners_line": (
        "Owners: {names}",
        "Penanggung jawab: {names}",
    ),
    "away_line": (
        "Away: {items}",
        "Sedang tidak bertugas: {items}",
    ),
    "away_item": (
        "{name} (back {day})",
        "{name} (kembali {day})",
    ),
    # --- /checkin ---------------------------------------------------------------------------
    "checkin_usage": (
        "Type {usage} (tracker time), or {off}, e.g. {example}.",
        "Ketik {usage} (waktu pemantauan), atau {off}, misalnya {example}.",
    ),
    "checkin_none": (
        "No check-ins for <b>{title}</b>. An admin turns them on with {example}.",
        "Belum ada permintaan laporan untuk <b>{title}</b>. Admin dapat mengaktifkannya dengan {example}.",
    ),
    "checkin_show": (
        "Check-ins for <b>{title}</b>: {when} ({tz} time), in private, to each workstream's owner; not on weekends or public holidays.",
        "Permintaan laporan untuk <b>{title}</b>: {when} (waktu {tz}), secara pribadi, kepada penanggung jawab setiap komponen; tidak pada akhir pekan atau hari libur nasional.",
    ),
    "checkin_off": (
        "✅ Check-ins for <b>{title}</b> are off.",
        "✅ Permintaan laporan untuk <b>{title}</b> dinonaktifkan.",
    ),
    "checkin_no_owners": (
        "No workstream has an owner yet: set them with {example}.",
        "Belum ada komponen yang memiliki penanggung jawab: tetapkan dengan {example}.",
    ),
    # --- /holidays --------------------------------------------------------------------------
    "holidays_usage": (
        "{token} is not a country code I know. Type {usage}, e.g. {example}.",
        "{token} bukan kode negara yang dikenal. Ketik {usage}, misalnya {example}.",
    ),
    "holidays_show": (
        "Check-ins, quiet nudges and weekday digests of <b>{title}</b> skip weekends and the public holidays of {country}. Deadline reminders still go out.",
        "Permintaan laporan, pengingat laporan, dan ringkasan hari kerja <b>{title}</b> tidak dikirim pada akhir pekan dan hari libur nasional {country}. Pengingat tenggat tetap dikirim.",
    ),
    "holidays_none": (
        "Check-ins, quiet nudges and weekday digests of <b>{title}</b> skip weekends only (no public holidays).",
        "Permintaan laporan, pengingat laporan, dan ringkasan hari kerja <b>{title}</b> hanya tidak dikirim pada akhir pekan (tanpa hari libur nasional).",
    ),
    "reminder_holiday": (
        "Today is a public holiday ({name}); the deadline does not move.",
        "Hari ini hari libur nasional ({name}); tenggat tidak bergeser.",
    ),
    # --- /away ------------------------------------------------------------------------------
    "away_usage": (
        "Type {usage} (the day you are back), or {off}.",
        "Ketik {usage} (tanggal Anda kembali), atau {off}.",
    ),
    "away_past": (
        "{token} is not after today: give the day you are back, e.g. tomorrow or later.",
        "{token} bukan tanggal setelah hari ini: berikan tanggal Anda kembali, paling cepat besok.",
    ),
    "away_set": (
        "✅ Your check-ins pause until {day}; they resume that day. {off} ends it sooner.",
        "✅ Permintaan laporan untuk Anda dijeda hingga {day} dan berlanjut pada hari itu. {off} mengakhirinya lebih awal.",
    ),
    "away_off": (
        "✅ You are not marked away: check-ins reach you as usual.",
        "✅ Anda tidak ditandai sedang tidak bertugas: permintaan laporan dikirim seperti biasa.",
    ),
    "away_show": (
        "You are away until {day}: no check-ins until then.",
        "Anda tidak bertugas hingga {day}: tidak ada permintaan laporan sampai saat itu.",
    ),
    "away_none": (
        "You are not marked away. {example} pauses your check-ins.",
        "Anda tidak ditandai sedang tidak bertugas. {example} menjeda permintaan laporan untuk Anda.",
    ),
    # --- /use -------------------------------------------------------------------------------
    "use_usage": (
        "Type {usage}, e.g. {example}.",
        "Ketik {usage}, misalnya {example}.",
    ),
    "use_show": (
        "Private commands go to <b>{title}</b> ({key}). Yours: {keys}.",
        "Perintah di obrolan pribadi ditujukan ke <b>{title}</b> ({key}). Pemantauan Anda: {keys}.",
    ),
    "use_none": (
        "No tracker chosen here. Yours: {keys}. Choose one with {example}.",
        "Belum ada pemantauan yang dipilih di sini. Pemantauan Anda: {keys}. Pilih dengan {example}.",
    ),
    "use_refused": (
        "You do not belong to a tracker {key}. Yours: {keys}.",
        "Anda tidak tergabung dalam pemantauan {key}. Pemantauan Anda: {keys}.",
    ),
    "use_set": (
        "✅ Private commands now go to <b>{title}</b> ({key}).",
        "✅ Perintah di obrolan pribadi kini ditujukan ke <b>{title}</b> ({key}).",
    ),
    # --- the prompt -------------------------------------------------------------------------
    "ci_title": (
        "🗓 Check-in · <b>{title}</b> · {left} ({deadline})",
        "🗓 Permintaan laporan · <b>{title}</b> · {left} ({deadline})",
    ),
    "ci_update_title": (
        "📝 <b>{title}</b> · {left} ({deadline}): which value has each workstream reached?",
        "📝 <b>{title}</b> · {left} ({deadline}): berapa capaian setiap komponen?",
    ),
    "ci_last": (
        "{percent}% on {day} by {name}",
        "{percent}% pada {day} oleh {name}",
    ),
    "ci_never": ("no report yet", "belum ada laporan"),
    "ci_pace": ("pace {pace}/week", "laju {pace}/minggu"),
    "ci_needed": (
        "needs {needed} points a week to reach 100% by {deadline}",
        "perlu {needed} poin per minggu untuk mencapai 100% sebelum tenggat {deadline}",
    ),
    "ci_why_daily": (
        "⚠️ At risk with {left}: asked every working day until it is back on track.",
        "⚠️ Berisiko dengan {left}: ditanyakan setiap hari kerja hingga kembali sesuai target.",
    ),
    "ci_how": (
        "Tap the value each one has reached, ✍️ Other to type it, or No change.",
        "Ketuk capaian masing-masing, ✍️ Lainnya untuk mengetiknya, atau Tidak berubah.",
    ),
    "ci_other": ("✍️ Other", "✍️ Lainnya"),
    "ci_no_change": ("No change", "Tidak berubah"),
    "ci_recorded": (
        "✅ {title}: {percent}% recorded.",
        "✅ {title}: {percent}% tercatat.",
    ),
    "ci_replaced": (
        "It replaced {percent}% reported by {name} on {day}, after this prompt was sent.",
        "Laporan ini menggantikan {percent}% dari {name} pada {day}, yang masuk setelah permintaan ini dikirim.",
    ),
    "ci_nothing": (
        "➖ {title}: no change, nothing recorded.",
        "➖ {title}: tidak berubah, tidak ada yang dicatat.",
    ),
    "ci_answer_recorded": ("Recorded {percent}%", "{percent}% tercatat"),
    "ci_answer_nothing": ("Nothing recorded", "Tidak ada yang dicatat"),
    "ci_answer_title": (
        "Tap one of the values below its name.",
        "Ketuk salah satu nilai di bawah namanya.",
    ),
    "ci_other_ask": (
        "✍️ Type the percent for <b>{title}</b>: a whole number from 0 to 100.",
        "✍️ Ketik persentase untuk <b>{title}</b>: bilangan bulat 0 sampai 100.",
    ),
    "ci_other_group": (
        "Type {example} here.",
        "Ketik {example} di sini.",
    ),
    "ci_other_bad": (
        "{token} is not a percent: type a whole number from 0 to 100 for <b>{title}</b>, e.g. {example}. Nothing recorded yet.",
        "{token} bukan persentase: ketik bilangan bulat 0 sampai 100 untuk <b>{title}</b>, misalnya {example}. Belum ada yang dicatat.",
    ),
    "ci_stale": (
        "This button no longer works. Type /update for fresh ones.",
        "Tombol ini sudah tidak berlaku. Ketik /update untuk tombol yang baru.",
    ),
    "ci_gone_workstream": (
        "<b>{title}</b> is no longer tracked (removed by an admin): nothing recorded.",
        "<b>{title}</b> tidak lagi dipantau (dihapus oleh admin): tidak ada yang dicatat.",
    ),
    "ci_all_done": (
        "Every workstream of <b>{title}</b> is at 100%: nothing left to report.",
        "Seluruh komponen <b>{title}</b> sudah 100%: tidak ada lagi yang perlu dilaporkan.",
    ),
    "ci_blocked": (
        "{names}: I cannot ask you in private until you open @{bot} and press Start.",
        "{names}: Pantau belum dapat meminta laporan Anda secara pribadi. Buka @{bot} dan tekan Start terlebih dahulu.",
    ),
}
