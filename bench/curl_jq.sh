#!/usr/bin/env bash
# The documented per-row "Set Up an Interconnect" with curl and jq: find the partner's
# ECGrid ID by QID (POST /v2/ids/find, the endpoint reference's form), then create the
# interconnect (POST /v2/partners). A baseline for bench/benchmark.py.
#
#   curl_jq.sh row QUALIFIER ID    one row (what `xargs -P 16 -n 2` runs)
#   curl_jq.sh loop ROWS.csv       every row of a qualifier,id CSV, one after another
#
# Environment: BASE (server URL), KEY (API key), FROM (the sender's ECGrid ID).
# Exits non-zero at the first row that fails.
set -euo pipefail

setup_row() {
  local qualifier=$1 isa_id=$2 partner
  partner=$(curl -sS -X POST "$BASE/v2/ids/find" -H "X-API-Key: $KEY" \
    -H "Content-Type: application/json" \
    -d "{\"qualifier\":\"$qualifier\",\"id\":\"$isa_id\"}" | jq -er '.data[0].ecGridId')
  curl -sS -X POST "$BASE/v2/partners" -H "X-API-Key: $KEY" \
    -H "Content-Type: application/json" \
    -d "{\"ecGridIdFrom\":$FROM,\"ecGridIdTo\":$partner,\"status\":\"Active\"}" \
    | jq -e '.success' >/dev/null
}

case "${1:-}" in
  row)
    setup_row "$2" "$3"
    ;;
  loop)
    while IFS=, read -r qualifier isa_id; do
      [ "$qualifier" = qualifier ] && continue
      setup_row "$qualifier" "$isa_id"
    done < "$2"
    ;;
  *)
    echo "usage: $0 row QUALIFIER ID | loop ROWS.csv" >&2
    exit 2
    ;;
esac
