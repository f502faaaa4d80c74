"""`pantau demo` keeps going: a restart continues where it stopped; an installed copy runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.demo import DemoState, Opening, banner
from bot.offline import ChatRef, Person
from domain.views import Role
from tests.helpers import ROOT, pantau_env, refused, run_pantau


def test_a_restarted_demo_records_and_counts_a_new_report(tmp_path: Path) -> None:
    first = run_pantau(tmp_path, "demo", stdin="/update sellers 60 first round\n")
    assert first.returncode == 0, first.stderr
    assert "Seller (merchant) back-end: 60% (+10)" in first.stdout
    assert "Pantau demo (new): Fri 23 Feb 2024 09:00" in first.stderr

    second = run_pantau(tmp_path, "demo", stdin="/update sellers 65 second round\n/status\n")
    assert second.returncode == 0, second.stderr
    assert "Pantau demo (continuing): Fri 23 Feb 2024 09:0" in second.stderr
    out = second.stdout
    assert "Already recorded" not in out
    assert "Seller (merchant) back-end: 65% (+5)" in out  # counted: newer than the first run's
    assert "Overall 75% (+2)" in out
    assert "75% overall" in out
    assert "65% Seller (merchant) back-end" in out


def test_the_seed_is_applied_only_to_a_new_demo_database(tmp_path: Path) -> None:
    moved = run_pantau(tmp_path, "demo", stdin="/deadline 2024-05-31\n")
    assert "31 May 2024" in moved.stdout
    again = run_pantau(tmp_path, "demo", stdin="/deadline\n")
    assert "31 May 2024" in again.stdout  # not reverted to the seed's 12 April
    reset = run_pantau(tmp_path, "demo", "--reset", stdin="/deadline\n")
    assert "12 April 2024" in reset.stdout


def test_today_moves_the_clock_of_a_continued_demo(tmp_path: Path) -> None:
    assert run_pantau(tmp_path, "demo", stdin="/status\n").returncode == 0
    later = run_pantau(tmp_path, "demo", "--today", "2024-03-01", stdin="/status\n")
    assert "Fri 01 Mar 2024 09:00" in later.stderr
    assert "42 days left" in later.stdout


def test_an_impossible_today_names_the_day(tmp_path: Path) -> None:
    stderr = refused(run_pantau(tmp_path, "demo", "--today", "2024-04-31"))
    assert "2024-04-31 is not a real date: April 2024 has 30 days" in stderr
    assert not (tmp_path / "data" / "demo.db").exists()


def test_the_banner_names_the_people_you_can_be_and_the_bot() -> None:
    people = {
        "ayu": Person(1001, "Ayu", "Lestari", "ayu_pantau"),
        "budi": Person(1002, "Budi", "Santoso", "budi_s"),
        "dewi": Person(1004, "Dewi", "Anggraini", "dewi_a"),
    }
    staff = ChatRef(-1001001, "Tim Pemantau PKTN")
    state = DemoState(people["ayu"], staff, people, {"group": staff})
    opening = Opening(
        start=datetime(2024, 2, 23, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")),
        db_path=Path("data/demo.db"),
        continued=False,
        roles={1001: Role.ADMIN, 1002: Role.REPORTER},
        first_message_id=1,
        first_update_id=1,
    )
    text = banner(opening, state, "PantauBot")
    assert "the real bot, @PantauBot, offline" in text
    assert "You are Ayu Lestari in Tim Pemantau PKTN" in text
    assert "ayu    Ayu Lestari @ayu_pantau — admin" in text
    assert "budi   Budi Santoso @budi_s — reporter" in text
    assert "dewi   Dewi Anggraini @dewi_a — no role" in text


def test_missing_token_recommends_the_demo_which_works(tmp_path: Path) -> None:
    stderr = refused(run_pantau(tmp_path, "run"))
    assert "`pantau demo`" in stderr
    assert run_pantau(tmp_path, "demo", stdin="/status\n").returncode == 0


def build_here() -> list[str]:
    """pip's option to build with this venv's setuptools (the dev extras hold one that
    [build-system] accepts) instead of installing one into an isolated build environment
    first, about five seconds; a venv set up before that builds in isolation."""
    try:
        major = int(version("setuptools").split(".")[0])
    except PackageNotFoundError:
        return []
    return ["--no-build-isolation"] if major >= 77 else []


def test_an_installed_copy_runs_the_demo(tmp_path: Path) -> None:
    """A non-editable install in a fresh venv (the README's deployment path), away from the
    checkout: the seed must come from the package. Dependencies are the dev venv's (a .pth),
    so nothing is downloaded (but the build backend, for a venv without it). The
    venv gets no pip of its own (making one costs more than the rest of the test): this
    venv's pip installs into it with --python."""
    source = tmp_path / "source"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():
            target.symlink_to((ROOT / name).readlink())
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, target)
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            *build_here(),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"pip could not build the package here: {install.stderr[-300:]}")
    shutil.rmtree(source)  # nothing of the checkout is left to lean on
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import bot; print(bot.__file__)"],
        capture_output=True,
        text=True,
        cwd=run_dir,
        check=True,
    ).stdout
    assert where.startswith(purelib)
    result = subprocess.run(
        [str(venv / "bin" / "pantau"), "demo"],
        input="/status\n",
        capture_output=True,
        text=True,
        cwd=run_dir,
        env=pantau_env(run_dir),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "70% overall · deadline 12 April 2024 · 49 days left" in result.stdout
    assert (run_dir / "data" / "demo.db").exists()
    assert date(2024, 2, 23).strftime("%d %b %Y") in result.stderr


def test_a_new_demo_cannot_start_before_its_story(tmp_path: Path) -> None:
    stderr = refused(run_pantau(tmp_path, "demo", "--today", "2024-01-01"))
    assert "the demo's story has reports until 21 Feb 2024" in stderr
