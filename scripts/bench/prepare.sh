# Sourced by the benchmark scripts: installs wrk and the build tools, builds the release binary
# (unless BENCH_BIN names one), and points DATABASE_URL at a fresh database.
# Usage: bench_prepare sqlite|postgres PG_DATABASE (sets `work`, a temporary directory the
# caller removes).
bench_prepare() {
  local backend=$1 pg_database=$2
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  bash scripts/install-tools.sh rust
  # BENCH_BIN measures another build (e.g. an older commit's, for a before/after comparison).
  if [ -z "${BENCH_BIN:-}" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    bash scripts/build-release.sh >/dev/null
  fi
  work=$(mktemp -d)
  case "$backend" in
    sqlite) export DATABASE_URL="sqlite://$work/bench.db" ;;
    postgres)
      local admin=${SCIMHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
      psql "$admin" -qc "drop database if exists $pg_database" -c "create database $pg_database" >/dev/null
      export DATABASE_URL="${admin%/*}/$pg_database" ;;
    *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
  esac
}
