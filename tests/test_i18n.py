"""Both languages, everywhere: the catalogue is complete and the bot speaks Indonesian."""

from __future__ import annotations

import re
import string

import pytest

from bot.offline import ChatRef, Person
from domain.i18n import CATALOG, LANGUAGES, PLURALS, Html, language, msg, t
from tests.helpers import ADMIN, BUDI, DEWI, MANAGERS, STAFF, Harness, seed_tracker


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_message_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = CATALOG[key]
    assert len(entry) == len(LANGUAGES)
    english, indonesian = entry
    assert english.strip()
    assert indonesian.strip()
    assert _fields(english) == _fields(indonesian)
    # Tags must match too: a <b> in one language and not the other is a rendering bug.
    assert sorted(re.findall(r"</?\w+", english)) == sorted(re.findall(r"</?\w+", indonesian))


def test_user_text_in_a_message_is_escaped_but_markup_and_nested_messages_are_not() -> None:
    text = t(
        "en", "now_role", name="<b>x</b> & co", role=msg("role_admin"), tracker=Html("<i>T</i>")
    )
    assert text == "👤 &lt;b&gt;x&lt;/b&gt; &amp; co is now admin of <b><i>T</i></b>."


def test_telegram_language_codes_map_to_supported_languages() -> None:
    assert (language("id"), language("id-ID"), language("en-GB"), language("fr")) == (
        "id",
        "id",
        "en",
        "en",
    )
    assert language(None) == "en"


# Each command in Indonesian, by who sends it: (command, what the answer says).
BY_BUDI = [  # a reporter
    (
        "/update payments 60",
        "✅ Payments: 60% (+60)\nCapaian keseluruhan 20% (+20) · sisa 49 hari",
    ),
    ("/update payments 101", "101 bukan persentase"),
    ("/update paymnts 50", "Apakah yang Anda maksud payments?"),
    ("/undo", "Anda tidak memiliki laporan yang dapat dibatalkan"),
]
BY_DEWI = [  # a member without a role
    ("/update payments 50", "Hanya pelapor dan admin TikTok Shop → Tokopedia"),
    ("/status", "Capaian keseluruhan 0% · tenggat 12 April 2024 · sisa 49 hari"),
    ("/status sellers", "laporan terakhir"),
    ("/history payments", "laporan terakhir"),
    ("/workstreams", "bobot 2 (67%)"),
    ("/deadline", "tenggat 12 April 2024 · sisa 49 hari"),
    ("/quiet", "mendapat pengingat laporan setelah 7 hari tanpa laporan"),
    ("/help", "memantau kemajuan menuju tenggat"),
    ("/lang", "Obrolan ini berbahasa Indonesia"),
]
BY_ADMIN = [
    (
        "/deadline 2024-04-30",
        "Tenggat TikTok Shop → Tokopedia diubah dari 12 April 2024 menjadi 30 April 2024",
    ),
    ("/workstream add legal Legal", "➕ Ditambahkan: Legal"),
    ("/workstream remove sellers", "diarsipkan"),
    ("/grant @dewi_a reporter", "Dewi sekarang menjadi pelapor"),
    ("/revoke @sari_w", "Sari Wulandari tidak lagi menjadi pelapor"),
    ("/schedule senin 09:00", "Ketik /schedule"),
    ("/schedule mon 09:00", "setiap Senin pukul 09.00"),
    ("/setup", "Sebutkan kode pemantauannya"),
]
INDONESIAN = [
    (text, sender, expected)
    for sender, said in ((BUDI, BY_BUDI), (DEWI, BY_DEWI), (ADMIN, BY_ADMIN))
    for text, expected in said
]


@pytest.mark.parametrize(("text", "sender", "expected"), INDONESIAN)
async def test_each_command_in_indonesian(
    harness: Harness, text: str, sender: Person, expected: str
) -> None:
    await seed_tracker(harness)
    assert "sekarang berbahasa Indonesia" in await harness.say("/lang id")
    assert expected in await harness.say(text, sender=sender)


async def test_digest_in_indonesian(harness: Harness) -> None:
    await seed_tracker(harness)
    await harness.say("/setup tiktok-tokopedia", chat=MANAGERS)
    await harness.say("/lang id", chat=MANAGERS)
    await harness.say("/update payments 40", sender=BUDI)
    digest = await harness.say("/digest", sender=DEWI, chat=MANAGERS)
    assert digest.startswith("🗞 Ringkasan · TikTok Shop → Tokopedia")
    assert "sisa 49 hari (12 April 2024)" in digest
    assert "Seller back-end 0% — belum ada laporan" in digest
    assert "Digest ·" in await harness.say("/digest", sender=DEWI, chat=STAFF)


async def test_only_admins_change_a_groups_language_but_anyone_their_private_chat(
    harness: Harness,
) -> None:
    await seed_tracker(harness)
    assert "Only admins" in await harness.say("/lang id", sender=BUDI)
    assert "sekarang berbahasa Indonesia" in await harness.say(
        "/lang id", sender=BUDI, chat=ChatRef(BUDI.id)
    )
    assert "Only reporters" not in await harness.say("/status", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "keseluruhan" in await harness.say("/status", sender=BUDI, chat=ChatRef(BUDI.id))
    assert "overall" in await harness.say("/status", sender=BUDI)


async def test_private_chat_follows_the_persons_telegram_language(harness: Harness) -> None:
    await seed_tracker(harness)
    update = harness.factory.message("/status", sender=BUDI, chat=ChatRef(BUDI.id))
    assert update.effective_user is not None
    data = update.to_dict()
    data["message"]["from"]["language_code"] = "id"
    from telegram import Update

    indonesian = Update.de_json(data, harness.app.bot)
    assert indonesian is not None
    harness.api.take()
    await harness.app.process_update(indonesian)
    await harness.flush()
    assert "keseluruhan" in harness.api.take()[0].text


@pytest.mark.parametrize("key", sorted(PLURALS))
def test_every_plural_message_has_babels_forms_in_both_languages(key: str) -> None:
    count_param, english, indonesian = PLURALS[key]
    # English needs "one" and "other"; Indonesian does not inflect: "other" is all it has.
    assert set(english) == {"one", "other"}
    assert set(indonesian) == {"other"}
    fields = _fields(english["other"])
    assert count_param in fields or key == "last_reports"
    for template in [*english.values(), *indonesian.values()]:
        assert _fields(template) <= fields | {count_param}
        assert sorted(re.findall(r"</?\w+", template)) == sorted(
            re.findall(r"</?\w+", english["other"])
        )


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("en", 1, "1 day left"),
        ("en", 2, "2 days left"),
        ("en", 0, "0 days left"),
        ("id", 1, "sisa 1 hari"),
        ("id", 2, "sisa 2 hari"),
    ],
)
def test_counts_take_the_plural_form_babel_gives(lang: str, n: int, expected: str) -> None:
    assert t(lang, "days_left", n=n) == expected


async def test_quiet_one_day_reads_day_not_days(harness: Harness) -> None:
    await seed_tracker(harness)
    reply = await harness.say("/quiet 1")
    assert "after 1 day without" in reply
    assert "1 days" not in reply
    await harness.say("/lang id")
    assert "1 hari" in await harness.say("/quiet", sender=DEWI)


async def test_lang_shows_commands_as_code_not_as_escaped_tags(harness: Harness) -> None:
    await seed_tracker(harness)
    sent = "\n".join(m.html for m in await harness.send_update("/lang", sender=DEWI, chat=STAFF))
    assert "<code>/lang id</code>" in sent
    assert "&lt;code&gt;" not in sent
