#!/bin/sh
# The search benchmark end to end: a 500,000-study database and a 2-study one,
# then the query mix on both (queries per page) and timed on the large one.
#   bench/run_search.sh [COUNT]        (default 500000; ~10 min to generate)
set -eu
cd "$(dirname "$0")/.."
COUNT="${1:-500000}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
PY=.venv/bin/python
for db in trialfinder_bench trialfinder_bench_small; do
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    DATABASE_URL="$PG/$db" DEBUG=1 $PY manage.py migrate -v0
done
DATABASE_URL="$PG/trialfinder_bench" $PY bench/generate_studies.py --count "$COUNT"
# Two studies that every search of the mix finds: pages with cards on both.
DATABASE_URL="$PG/trialfinder_bench_small" $PY bench/search_bench.py --two-studies \
    --queries-only --json /tmp/search_bench_small.json
DATABASE_URL="$PG/trialfinder_bench" $PY bench/search_bench.py --json /tmp/search_bench.json >/dev/null
$PY bench/search_table.py /tmp/search_bench.json /tmp/search_bench_small.json
