#!/usr/bin/env sh
# docs/ci.md as a shell script: start wsfault in front of the app with a scenario that has
# expect:, run the client, end the run, and exit with wsfault's code (0 pass, 3 an expectation
# failed).
# Usage: reconnect-check.sh CLIENT_MODE [TARGET]
#   WSFAULT   how to run wsfault (default: npx wsfault)
#   DURATION  the longest the run may take (default 60s); it ends as soon as the client is done
#   REPORT    the JUnit file (default junit.xml)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-good}
target=${2:-}
wsfault=${WSFAULT:-npx wsfault}
duration=${DURATION:-60s}
report=${REPORT:-junit.xml}
listen=${LISTEN:-127.0.0.1:17878}
api=${API:-127.0.0.1:17879}

# 1. wsfault, in the background: it writes the report when the run ends, and exits 3 when an
#    expectation failed (a run with --duration is judged however it ends).
$wsfault ${target:+--target "$target"} --listen "$listen" --api "$api" --seed 1 \
  --scenario "$here/reconnect.yaml" --duration "$duration" --report "$report" --log-level warn &
pid=$!

# 2. Wait until every proxy listens (probe the API, never the proxy port).
i=0
until curl -sf "http://$api/health" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -gt 100 ]; then echo "wsfault did not start" >&2; kill "$pid" 2>/dev/null; exit 1; fi
  sleep 0.1
done

# 3. The client under test, through the proxy.
node "$here/sample-client.mjs" "ws://$listen/" "$mode" 3 || true

# 4. The client is done: end the run now, so the report covers exactly the client's run however
#    long the two took to start. wsfault's exit code is the verdict: 0 pass, 3 an expect: failed.
kill -INT "$pid" 2>/dev/null || true
set +e
wait "$pid"
code=$?
echo "wsfault exited with $code; report in $report"
exit "$code"
