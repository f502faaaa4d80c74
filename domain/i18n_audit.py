"""The catalogue entries of evidence, the audit trail and portfolios (merged into
``domain.i18n.CATALOG``; kept apart so that module stays readable). Same form: English, then
Bahasa Indonesia."""

from __future__ import annotations

AUDIT_CATALOG: dict[str, tuple[str, str]] = {
    # --- evidence ----------------------------------------------------------------------------
    "evidence_not_stored": ("📎 The file was not stored.", "📎 Berkas tidak disimpan."),
    "evidence_kept": (
        "📎 {name} kept as evidence (SHA-256 {sha}…)",
        "📎 {name} disimpan sebagai bukti (SHA-256 {sha}…)",
    ),
    "evidence_not_kept": ("📎 {name}: {why}", "📎 {name}: {why}"),
    "evidence_too_big": (
        "over Telegram's 20 MB download limit: recorded by its id, no copy kept",
        "melebihi batas unduh Telegram 20 MB: dicatat menurut id-nya, tanpa salinan",
    ),
    "evidence_unavailable": (
        "Telegram could not serve the file: recorded by its id, no copy kept",
        "Telegram tidak dapat menyerahkan berkas ini: dicatat menurut id-nya, tanpa salinan",
    ),
    "evidence_not_writable": (
        "no copy kept: the evidence folder cannot be written (the report is recorded; "
        "the operator has been told in the log)",
        "tanpa salinan: folder bukti tidak dapat ditulisi (laporan tetap tercatat; operator "
        "telah diberi tahu melalui log)",
    ),
    "evidence_not_yours": (
        "📎 Only {name}, who sent that report, may add evidence to it. Send your own /update "
        "with the file, the command as its caption.",
        "📎 Hanya {name}, pelapor laporan tersebut, yang dapat menambahkan bukti. Mohon kirim "
        "/update Anda sendiri bersama berkasnya, dengan perintah sebagai keterangan berkas.",
    ),
    "evidence_undone": (
        "📎 That report was undone or replaced: send a new {example} with the file, the "
        "command as its caption.",
        "📎 Laporan tersebut telah dibatalkan atau diganti: mohon kirim {example} yang baru "
        "bersama berkasnya, dengan perintah sebagai keterangan berkas.",
    ),
    "evidence_too_old": (
        "📎 Evidence can be added by replying within {hours} hours of the report: send a new "
        "{example} with the file, the command as its caption.",
        "📎 Bukti dapat ditambahkan dengan membalas dalam {hours} jam setelah laporan: mohon "
        "kirim {example} yang baru bersama berkasnya, dengan perintah sebagai keterangan berkas.",
    ),
    "evidence_added": (
        "📎 Evidence added to the report <b>{title}</b> {percent}%.",
        "📎 Bukti ditambahkan pada laporan <b>{title}</b> {percent}%.",
    ),
    "usage_evidence": ("/evidence &lt;workstream&gt; [n]", "/evidence &lt;komponen&gt; [n]"),
    "usage_follow": ("/follow &lt;key&gt;", "/follow &lt;kode&gt;"),
    "usage_unfollow": ("/unfollow &lt;key&gt;", "/unfollow &lt;kode&gt;"),
    "evidence_usage": ("Type {usage}, e.g. {example}", "Ketik {usage}, misalnya {example}"),
    "evidence_none": (
        "📎 No evidence on <b>{title}</b> yet. Send a photo or document with "
        "<code>/update …</code> as its caption.",
        "📎 Belum ada bukti pada <b>{title}</b>. Kirim foto atau dokumen dengan "
        "<code>/update …</code> sebagai keterangan berkas.",
    ),
    "evidence_resent": (
        "📎 The latest {count} file(s) of <b>{title}</b>:",
        "📎 {count} berkas terbaru <b>{title}</b>:",
    ),
    "evidence_gone": (
        "📎 {name} can no longer be sent (Telegram no longer has it and no copy was kept); its "
        "record stays in the audit trail.",
        "📎 {name} tidak dapat dikirim lagi (Telegram tidak lagi menyimpannya dan tidak ada "
        "salinan); catatannya tetap ada dalam jejak audit.",
    ),
    "help_evidence": (
        "the latest evidence files of a workstream",
        "berkas bukti terbaru sebuah komponen",
    ),
    # --- the audit trail ---------------------------------------------------------------------
    "help_verify": (
        "the audit trail's current head, its number of events and the last one's time",
        "kepala jejak audit saat ini, jumlah peristiwanya dan waktu peristiwa terakhir",
    ),
    "verify_answer": (
        "🔗 Audit trail of <b>{title}</b>: {count} events, the last {when}.\n"
        "Head <code>{head}</code>\n"
        "Anyone with the database checks it with {command}.",
        "🔗 Jejak audit <b>{title}</b>: {count} peristiwa, terakhir {when}.\n"
        "Kepala <code>{head}</code>\n"
        "Siapa pun yang memiliki basis datanya dapat memeriksanya dengan {command}.",
    ),
    "verify_empty": (
        "🔗 The audit trail of <b>{title}</b> has no events yet.",
        "🔗 Jejak audit <b>{title}</b> belum memiliki peristiwa.",
    ),
    "digest_trail": ("🔗 trail {head}", "🔗 jejak audit {head}"),
    # --- portfolios --------------------------------------------------------------------------
    "help_follow": (
        "this chat also follows another tracker (a portfolio)",
        "obrolan ini juga mengikuti pemantauan lain (portofolio)",
    ),
    "help_unfollow": (
        "stop following a tracker this chat follows besides its own",
        "berhenti mengikuti pemantauan tambahan obrolan ini",
    ),
    "followed_now": (
        "👁 This chat now also follows <b>{title}</b> ({key}). /status shows each tracker it "
        "follows; {detail} shows one; /update here still goes to <b>{own}</b>.",
        "👁 Obrolan ini kini juga mengikuti <b>{title}</b> ({key}). /status menampilkan setiap "
        "pemantauan yang diikuti; {detail} menampilkan satu; /update di sini tetap tercatat "
        "pada <b>{own}</b>.",
    ),
    "followed_first": (
        "👁 This chat now follows <b>{title}</b> ({key}). Follow more with "
        "<code>/follow &lt;key&gt;</code>.",
        "👁 Obrolan ini kini mengikuti <b>{title}</b> ({key}). Ikuti pemantauan lain dengan "
        "<code>/follow &lt;kode&gt;</code>.",
    ),
    "already_following": (
        "👁 This chat already follows <b>{title}</b>.",
        "👁 Obrolan ini sudah mengikuti <b>{title}</b>.",
    ),
    "unfollowed_now": (
        "👁 This chat no longer follows <b>{title}</b>.",
        "👁 Obrolan ini tidak lagi mengikuti <b>{title}</b>.",
    ),
    "not_following": (
        "👁 This chat does not follow <b>{title}</b>.",
        "👁 Obrolan ini tidak mengikuti <b>{title}</b>.",
    ),
    "unfollow_own": (
        "<b>{title}</b> is this chat's own tracker (where /update here goes): move the chat "
        "with <code>/setup &lt;key&gt;</code> instead.",
        "<b>{title}</b> adalah pemantauan utama obrolan ini (tujuan /update di sini): mohon "
        "pindahkan obrolan dengan <code>/setup &lt;kode&gt;</code>.",
    ),
    "portfolio_title": (
        "📊 <b>{count} trackers</b>, most at risk first",
        "📊 <b>{count} pemantauan</b>, yang paling berisiko lebih dahulu",
    ),
    "portfolio_digest_title": (
        "🗞 <b>Digest · {count} trackers</b>, most at risk first",
        "🗞 <b>Ringkasan · {count} pemantauan</b>, yang paling berisiko lebih dahulu",
    ),
    "portfolio_line": (
        "{state} <b>{title}</b> ({key}) · {overall}% · {left}{risk}",
        "{state} <b>{title}</b> ({key}) · {overall}% · {left}{risk}",
    ),
    "portfolio_risk": (" · most at risk: {name}", " · paling berisiko: {name}"),
    "portfolio_more": (
        "One tracker in detail: {example}",
        "Rincian satu pemantauan: {example}",
    ),
    "event_chat_followed": ("{chat} follows it, by {who}", "{chat} mengikutinya, oleh {who}"),
    "event_chat_unfollowed": (
        "{chat} stopped following it, by {who}",
        "{chat} berhenti mengikutinya, oleh {who}",
    ),
}
