#!/usr/bin/env bash
# A private PostgreSQL server for tests and local fleets: no system service,
# no network port. The cluster lives in DIR/data and listens only on a Unix
# socket in DIR (connect with host=DIR port=5432 user=cgw dbname=cgw).
#
#   scripts/pg_local.sh start DIR   # initdb on first use, then start; waits until ready
#   scripts/pg_local.sh stop DIR    # fast shutdown; waits until stopped
#   scripts/pg_local.sh dsn DIR     # prints the libpq connection string
#
# PostgreSQL refuses to run as root: as root, the cluster is owned and run by
# the `postgres` user that the Debian package creates.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|dsn DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$(realpath -m "$2")
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "pg_local: PostgreSQL server binaries not found under /usr/lib/postgresql" \
    "(apt-get install postgresql-15)" >&2
  exit 1
fi
# The socket path must fit sockaddr_un (107 bytes).
if [ ${#dir} -gt 90 ]; then
  echo "pg_local: $dir is too long for a Unix socket path (90 characters at most)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U cgw --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
      }
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c max_connections=200" start >/dev/null || {
      tail -20 "$dir/postgres.log" >&2
      exit 1
    }
    as_owner "$bin/psql" -h "$dir" -U cgw -d postgres -qAtc \
      "SELECT 1 FROM pg_database WHERE datname = 'cgw'" | grep -q 1 ||
      as_owner "$bin/createdb" -h "$dir" -U cgw cgw
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    ;;
  dsn)
    echo "host=$dir port=5432 user=cgw dbname=cgw"
    ;;
  *) usage ;;
esac
