"""Where the project-local cluster keeps its files.

As root the cluster runs as the `postgres` user, which cannot enter a checkout below a directory
of mode 0700 (`/root`, anything made by `mktemp -d`). Unless GRIDLOOP_DATA_DIR names a place, the
cluster then lives in a directory of its own under /var/lib/gridloop, named after the default it
replaces, so that every command run from the same checkout finds it again.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import stat
from dataclasses import dataclass
from pathlib import Path

FALLBACK_ROOT = Path("/var/lib/gridloop")
# Keeps the fallback's unix socket path far below the 107-byte limit.
_MAX_NAME = 40


@dataclass(frozen=True)
class Placement:
    path: Path
    # The configured default the cluster was moved away from, if it was.
    instead_of: Path | None = None

    def describe(self) -> str:
        if self.instead_of is None:
            return f"data dir {self.path}"
        return (
            f"data dir {self.path}; postgres 用户无法进入默认目录 / the `postgres` user cannot "
            f"reach the default {self.instead_of}"
        )


def place(configured: Path, *, explicit: bool, cluster_user: pwd.struct_passwd | None) -> Placement:
    """Where the cluster lives when run by `cluster_user` (None: ourselves).

    `configured` is the data_dir setting; `explicit` when GRIDLOOP_DATA_DIR gave it.
    """
    if cluster_user is None or explicit:
        return Placement(configured)
    fallback = fallback_dir(configured)
    # Once moved the cluster stays put, even if the checkout became reachable since.
    if (fallback / "pgdata" / "PG_VERSION").is_file() or not can_reach(cluster_user, configured):
        return Placement(fallback, instead_of=configured)
    return Placement(configured)


def fallback_dir(configured: Path) -> Path:
    """/var/lib/gridloop/<checkout name>-<hash of the configured path>: one per checkout."""
    digest = hashlib.sha256(str(configured.absolute()).encode()).hexdigest()[:12]
    owner = configured.parent.name if configured.name == ".gridloop" else configured.name
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", owner).strip(".-")[:_MAX_NAME] or "gridloop"
    return FALLBACK_ROOT / f"{slug}-{digest}"


def can_reach(user: pwd.struct_passwd, path: Path) -> bool:
    """Whether `user` may pass through every existing directory above `path`.

    `path` itself need not be reachable yet: the cluster setup creates it and hands it over.
    """
    for directory in path.absolute().parents:
        try:
            info = directory.stat()
        except FileNotFoundError:
            continue  # made later by root with the usual 0755
        if not _may_enter(user, info):
            return False
    return True


def _may_enter(user: pwd.struct_passwd, info: os.stat_result) -> bool:
    if user.pw_uid == 0:
        return True
    # Only the first class that matches counts: an owner without x is refused even if others
    # have it.
    if info.st_uid == user.pw_uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid in os.getgrouplist(user.pw_name, user.pw_gid):
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)
