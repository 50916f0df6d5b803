#!/usr/bin/env bash
# Start a local PostgreSQL for the event store's postgres-module test (installing it if needed)
# and print the TEST_POSTGRES_* settings the test reads.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
cluster=$(pg_lsclusters -h | awk 'NR==1 {print $2}')
if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    cluster=main
    pg_createcluster "$version" "$cluster" >&2
fi
pg_ctlcluster "$version" "$cluster" start >&2 || true
for _ in $(seq 1 30); do
    su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
done
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $3}')
su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='scalp') THEN CREATE ROLE scalp LOGIN SUPERUSER PASSWORD 'scalp'; END IF; END \\\$\\\$;\"" >&2
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='scalp_test'\"" | grep -q 1 \
    || su postgres -c "createdb -O scalp scalp_test" >&2
cat <<VARS
export TEST_POSTGRES_HOST=127.0.0.1
export TEST_POSTGRES_PORT=$port
export TEST_POSTGRES_USER=scalp
export TEST_POSTGRES_PASSWORD=scalp
export TEST_POSTGRES_DBNAME=scalp_test
export TEST_POSTGRES_REQUIRED=1
VARS
