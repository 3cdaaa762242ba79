#!/usr/bin/env bash
# Run a command (the test suite) with a throwaway PostgreSQL server:
#   scripts/test-postgres.sh .venv/bin/python -m pytest
# Starts a private server (temporary data folder under /tmp, 127.0.0.1 on a free port, trust auth),
# creates database invgov_test, exports INVGOV_TEST_POSTGRES_URL for the command, then stops the
# server by its data folder and deletes the folder, also when the command fails or is interrupted.
# Runs the command unchanged when INVGOV_TEST_POSTGRES_URL is already set or no server binaries
# exist (/usr/lib/postgresql/<version>/bin); the PostgreSQL tests then skip themselves.
# Debian's postgres refuses to run as root, so as root the server runs as the `postgres` user.
# Any cluster Debian configured (e.g. 15/main on port 5432) is neither used nor touched.
set -euo pipefail

DATABASE=invgov_test
PYTHON=${PYTHON:-python3}

say() { echo "test-postgres: $*" >&2; }

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi
if [[ -n "${INVGOV_TEST_POSTGRES_URL:-}" ]]; then
    say "using the given INVGOV_TEST_POSTGRES_URL"
    exec "$@"
fi

# The newest installed server version, e.g. /usr/lib/postgresql/15/bin.
pg_bin=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null \
    | sort -V | tail -n 1 | xargs -r dirname)
if [[ -z "$pg_bin" ]]; then
    say "no PostgreSQL server binaries under /usr/lib/postgresql: PostgreSQL tests will skip"
    exec "$@"
fi

as_owner=()  # how to run the server tools: as `postgres` when we are root, else as ourselves
if [[ $(id -u) -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
        say "running as root and there is no postgres user: PostgreSQL tests will skip"
        exec "$@"
    fi
    as_owner=(runuser -u postgres --)
fi

pg() {  # run a server tool from a folder the server user can enter
    (cd / && "${as_owner[@]}" "$pg_bin/$1" "${@:2}")
}

free_port() {  # a TCP port nobody listens on now (the OS picks it; never 5432)
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

datadir=$(mktemp -d /tmp/invgov-pg.XXXXXX)
stop_server() {
    if [[ -f "$datadir/postmaster.pid" ]]; then
        pg pg_ctl -D "$datadir" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || kill -9 "$(head -n 1 "$datadir/postmaster.pid")" 2>/dev/null || true
    fi
    rm -rf "$datadir"
    say "server stopped, $datadir removed"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ ${#as_owner[@]} -eq 0 ]] || chown postgres: "$datadir"
chmod 700 "$datadir"
pg initdb -D "$datadir" -U postgres --auth=trust --no-locale --encoding=UTF8 >/dev/null
cat >"$datadir/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
port=$(free_port)
cat >>"$datadir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$datadir'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
if ! pg pg_ctl -D "$datadir" -l "$datadir/server.log" -w -t 60 start >/dev/null; then
    say "the server did not start; its log:"
    cat "$datadir/server.log" >&2 || true
    exit 1
fi
pg createdb -h 127.0.0.1 -p "$port" -U postgres "$DATABASE"
say "PostgreSQL $(basename "$(dirname "$pg_bin")") on 127.0.0.1:$port, data in $datadir"

export INVGOV_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/$DATABASE"
status=0
"$@" || status=$?
exit "$status"
