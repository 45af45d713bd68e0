"""Where the local cluster lives when its user cannot enter the checkout."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridloop import datadir

# A user that owns nothing here and is in no group of these directories.
STRANGER = pwd.struct_passwd(("gridloop-stranger", "x", 54321, 54321, "", "/", "/bin/sh"))


@pytest.fixture
def base() -> Iterator[Path]:
    """A directory anyone may pass through (pytest's own temporary root is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="gridloop-datadir-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@pytest.fixture
def checkout(base: Path) -> Path:
    """A checkout below a home directory of mode 0700, like a clone in /root."""
    (base / "home" / "gridloop").mkdir(parents=True)
    (base / "home").chmod(0o700)
    return base / "home" / "gridloop"


@pytest.fixture
def fallback_root(base: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = base / "var-lib-gridloop"
    monkeypatch.setattr(datadir, "FALLBACK_ROOT", root)
    return root


def place(path: Path, *, explicit: bool = False) -> datadir.Placement:
    return datadir.place(path, explicit=explicit, cluster_user=STRANGER)


def test_a_user_cannot_reach_below_a_0700_directory_of_another(checkout: Path) -> None:
    assert not datadir.can_reach(STRANGER, checkout / ".gridloop")

    checkout.parent.chmod(0o755)

    assert datadir.can_reach(STRANGER, checkout / ".gridloop")


def test_the_owner_of_a_0700_directory_reaches_below_it(checkout: Path) -> None:
    me = pwd.getpwuid(os.geteuid())

    assert datadir.can_reach(me, checkout / ".gridloop" / "not" / "made" / "yet")


def test_an_unreachable_default_moves_to_a_fallback_named_after_the_checkout(
    checkout: Path, fallback_root: Path
) -> None:
    placement = place(checkout / ".gridloop")

    assert placement.path.parent == fallback_root
    assert placement.path.name.startswith("gridloop-")
    assert placement.instead_of == checkout / ".gridloop"
    assert str(checkout / ".gridloop") in placement.describe()
    assert place(checkout / ".gridloop") == placement
    assert place(checkout.parent / "other" / ".gridloop").path != placement.path


def test_a_reachable_default_stays_unless_the_cluster_moved_before(
    checkout: Path, fallback_root: Path
) -> None:
    checkout.parent.chmod(0o755)

    assert place(checkout / ".gridloop") == datadir.Placement(checkout / ".gridloop")

    moved = datadir.fallback_dir(checkout / ".gridloop")
    (moved / "pgdata").mkdir(parents=True)
    (moved / "pgdata" / "PG_VERSION").write_text("15\n")

    assert place(checkout / ".gridloop").path == moved


def test_an_explicit_data_dir_always_wins(checkout: Path, fallback_root: Path) -> None:
    assert place(checkout / "data", explicit=True) == datadir.Placement(checkout / "data")


def test_without_a_separate_cluster_user_nothing_moves(checkout: Path) -> None:
    placement = datadir.place(checkout / ".gridloop", explicit=False, cluster_user=None)

    assert placement == datadir.Placement(checkout / ".gridloop")
