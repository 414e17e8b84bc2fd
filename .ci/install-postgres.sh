#!/usr/bin/env bash
# Install the PostgreSQL server binaries the shared-study tests start on loopback (tests/postgres_server.py).
# Idempotent: does nothing when initdb is already there. Needs root and apt-get (Debian/Ubuntu); elsewhere
# it says so and exits 0, and those tests skip with the reason.
set -euo pipefail

if command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgres: not root or no apt-get; the PostgreSQL study tests will skip" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The package may start a default cluster on port 5432; the tests use their own server, so stop it.
if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters --no-header 2>/dev/null | while read -r version name _; do
        pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
    done
fi
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
