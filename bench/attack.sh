#!/usr/bin/env bash
# Reliability suite (issue 13): replays the attacks and faults the product must hold against —
# wide CSVs, stalled uploads and slowloris, cross-site requests, HTTP methods, the login limit, bad
# CLI inputs, kill -9 rounds, a corrupt history database, a full disk, a removed logs directory, a
# read-only logs directory, and load — and prints a table: case | expected | observed | verdict,
# then a TOTAL line. Exit status 0 only when every case passes (SKIP counts as not passed).
#
#   bench/attack.sh                 every case
#   bench/attack.sh origin disk     only these cases or groups (see usage: bench/attack.sh --help)
#
# Loopback only: every server binds 127.0.0.1 on a port the OS picks (--port 0, read back from its
# log line) and gets its own temporary logs_dir; every request goes to 127.0.0.1. Bounded: each
# case runs under its own timeout (a hang is a FAIL, not a stuck suite) and the whole run under
# SUITE_SECONDS (default 590). Everything it starts, mounts or writes goes on exit.
# Uses target/server.jar (JAR=... for another build), built if missing. Cases 9-11 need root
# (tmpfs mounts); without it they are SKIP.
set -uo pipefail
[ -z "${JAR:-}" ] || [ "${JAR:0:1}" = / ] || JAR=$PWD/$JAR # as given, from the caller's directory
cd "$(dirname "$0")/.."
ROOT=$PWD
HELPERS=$ROOT/bench/attack
SUITE_SECONDS=${SUITE_SECONDS:-590}
KILL9_ROUNDS=${KILL9_ROUNDS:-5}
IDLE_SECONDS=5 # http.idle_seconds of the stalled-upload and slowloris servers (its minimum)
RSS_BUDGET_MB=64
SAMPLE=${SAMPLE:-$ROOT/../shared/fixtures/seed_sample_metrics2k.csv}
[ -f "$SAMPLE" ] || SAMPLE=$ROOT/sample_metrics2k.csv

# name:timeout_seconds, in running order
CASES=(
  columns:240 upload-no-boundary:45 slowloris:50 origin:40 methods:30 auth:45 inputs:45
  kill9:200 corrupt-db:45 disk-full:150 logs-dir-removed:50 read-only:45 load:50
)
declare -A CASE_GROUPS=(
  [web]="origin methods auth"
  [slow]="upload-no-boundary slowloris"
  [uploads]="columns upload-no-boundary slowloris"
  [cli]="inputs read-only"
  [crash]="kill9 corrupt-db"
  [disk]="disk-full logs-dir-removed read-only"
  [faults]="kill9 corrupt-db disk-full logs-dir-removed read-only"
)

usage() {
  echo "usage: bench/attack.sh [CASE|GROUP]..."
  echo "  cases: ${CASES[*]%%:*}"
  for g in "${!CASE_GROUPS[@]}"; do echo "  group $g: ${CASE_GROUPS[$g]}"; done
}

# ---------------------------------------------------------------------------------------------
# Shared helpers (used by the cases, which run in child processes of this script)

# record CASE EXPECTED OBSERVED VERDICT: one row of the final table
record() {
  local clean=()
  for f in "$@"; do clean+=("$(printf '%s' "$f" | tr '\t\n' '  ')"); done
  printf '%s\t%s\t%s\t%s\n' "${clean[@]}" >>"$RESULTS"
  printf '  %-28s %s  (%s)\n' "$1" "$4" "$3" >&2
}

# verdict COND...: PASS when the command succeeds, FAIL otherwise
verdict() { if "$@"; then echo PASS; else echo FAIL; fi; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
rss_mb() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
alive() { kill -0 "$1" 2>/dev/null; }
# rss_settled PID LIMIT_MB SECONDS: waits (bounded) until the RSS is at most LIMIT_MB; prints the
# last RSS and the seconds waited ("MB after Ns"). The JVM returns heap after a burst only at its
# next periodic collection (10 s idle), so what the server keeps is read once it has had the chance.
rss_settled() {
  local t0 r
  t0=$(now)
  for ((k = 0; k < $3 * 2; k++)); do
    r=$(rss_mb "$1")
    [ "$r" -le "$2" ] && break
    sleep 0.5
  done
  echo "$r MB after $(since "$t0")s"
}
files_in() { find "$1" -type f 2>/dev/null | wc -l; }
stack_trace() { grep -qE 'Exception|'$'\t''at ' "$1"; }
one_line() { tr -d '\r' <"$1" | grep -c . ; }
history_rows() { python3 "$HELPERS/history.py" rows "$1/metrics_history.csv" 2>/dev/null || echo 0; }
history_fields() { python3 "$HELPERS/history.py" fields "$1/metrics_history.csv" 2>&1; }
history_gaps() { python3 "$HELPERS/history.py" gaps "$1/metrics_history.csv" "$2" "$3" 2>&1; }
history_missing() { python3 "$HELPERS/history.py" missing "$1/metrics_history.csv" "$2" "$3" 2>/dev/null || echo 0; }

# pyjson FILE EXPR: evaluates a Python expression over the JSON document d in FILE ("" on error)
pyjson() {
  python3 -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2])
    print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
except Exception:
    print("")' "$1" "$2"
}

# health_check FILE ID: the check ID of a saved /health answer, as JSON ("" when absent)
health_check() { pyjson "$1" "[c for c in d['checks'] if c['id'] == '$2'][0]"; }

# http CODE_VAR BODY_FILE CURL_ARGS...: one request to 127.0.0.1, status code into CODE_VAR
http() {
  local -n _code=$1
  local body=$2
  shift 2
  _code=$(curl -s -o "$body" -w '%{http_code}' --max-time 30 "$@" 2>/dev/null) || true
  [ -n "$_code" ] || _code=000
}

# start_server DIR [ARGS...]: starts a server with DIR as its logs_dir on a free loopback port;
# sets SRV_PID and SRV_OUT (its console). Extra environment: put it before the call.
start_server() {
  local dir=$1
  shift
  SRV_OUT=$(mktemp "$WORK/server.XXXXXX.out")
  java -jar "$JAR_COPY" -conf "$ROOT/conf/config.json" --host 127.0.0.1 --port 0 \
    --logs-dir "$dir" "$@" >"$SRV_OUT" 2>&1 &
  SRV_PID=$!
  echo "$SRV_PID" >>"$PIDS"
  SRV_PORT=
}

# await_port [SECONDS]: waits for the server's "Dashboard on" line; sets SRV_PORT
await_port() {
  local deadline=$((SECONDS + ${1:-30}))
  while [ $SECONDS -lt $deadline ] && alive "$SRV_PID"; do
    SRV_PORT=$(grep -oE 'Dashboard on http://127\.0\.0\.1:[0-9]+' "$SRV_OUT" | grep -oE '[0-9]+$' | tail -1)
    [ -n "$SRV_PORT" ] && return 0
    sleep 0.1
  done
  return 1
}

# await_health [SECONDS]: waits for the port, then for /health 200; sets HEALTH_S (seconds taken)
await_health() {
  local t0
  t0=$(now)
  HEALTH_S=none
  local deadline=$((SECONDS + ${1:-30}))
  await_port "${1:-30}" || return 1
  while [ $SECONDS -lt $deadline ] && alive "$SRV_PID"; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$SRV_PORT/health")" = 200 ]; then
      HEALTH_S=$(since "$t0")
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# up DIR [ARGS...]: start_server and await_health; records nothing, returns 1 when it fails
up() {
  start_server "$@"
  await_health 40
}

# await_rows DIR N [SECONDS]: waits until metrics_history.csv has at least N data rows
await_rows() {
  local deadline=$((SECONDS + ${3:-20}))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(history_rows "$1")" -ge "$2" ] && return 0
    sleep 0.3
  done
  return 1
}

# settle DIR: waits (bounded) until history has rows 3 s past now, so a gap window is complete
settle() {
  local n
  n=$(history_rows "$1")
  await_rows "$1" $((n + 3)) 10
}

# stop_server PID: TERM, then KILL after 10 s
stop_server() {
  local pid=$1 i
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# start_expect_exit VAR SECONDS DIR [ARGS...]: starts a server that should refuse to run; sets VAR
# to "exit N" (it exited), "started" (it came up: stopped again) or "running" (neither in time)
start_expect_exit() {
  local -n _result=$1
  local limit=$2
  shift 2
  start_server "$@"
  local deadline=$((SECONDS + limit))
  while [ $SECONDS -lt $deadline ]; do
    if ! alive "$SRV_PID"; then
      wait "$SRV_PID"
      _result="exit $?"
      return
    fi
    if grep -q 'Dashboard on' "$SRV_OUT"; then
      stop_server "$SRV_PID"
      _result=started
      return
    fi
    sleep 0.1
  done
  stop_server "$SRV_PID"
  _result=running
}

# first line of a console, shortened, for the observed column
said() { tr -d '\r' <"$1" | grep -m1 . | cut -c1-110; }

# cli OUTFILE ARGS...: runs the batch CLI (60 s bound) in the case's directory with its own
# logs dir; the exit code is its status
cli() {
  local out=$1 pid
  shift
  (cd "$CASE_DIR" && MAD_LOGS_DIR="$CASE_DIR/cli-logs" exec timeout -k 5 60 java -jar "$JAR_COPY" "$@") >"$out" 2>&1 &
  pid=$!
  echo "-$pid" >>"$PIDS" # timeout leads a process group of its own: java and its child JVM
  wait "$pid"
}

# big_csv: a 300,000-row datagen file (about 21 MB; ~3 s of analysis), made once per run
big_csv() {
  local f=$WORK/big.csv
  [ -s "$f" ] || java -jar "$JAR_COPY" datagen --rows 300000 --output "$f" --seed 7 >/dev/null 2>&1
  echo "$f"
}

# ---------------------------------------------------------------------------------------------
# The cases: one function each; every one starts its own servers in its own directory.

case_columns() {
  local d=$CASE_DIR code pid rss0 rss1 t0 t1 gaps msg n c
  python3 "$HELPERS/widecsv.py" "$d/wide40k.csv" 40000 3
  python3 "$HELPERS/widecsv.py" "$d/wide100k.csv" 100000 3
  if ! up "$d/logs"; then
    record columns:upload "server starts" "did not start: $(said "$SRV_OUT")" FAIL
  else
    pid=$SRV_PID
    await_rows "$d/logs" 3
    rss0=$(rss_mb "$pid")
    t0=$(now)
    http code "$d/one.json" -F "file=@$d/wide40k.csv" "http://127.0.0.1:$SRV_PORT/api/upload-csv?wait=true"
    rss1=$(rss_mb "$pid")
    t1=$(now)
    settle "$d/logs"
    gaps=$(history_gaps "$d/logs" "$t0" "$t1")
    msg=$(pyjson "$d/one.json" "d['error']" | cut -c1-70)
    local kept
    kept=$(rss_settled "$pid" $((rss0 + RSS_BUDGET_MB)) 60)
    record columns:upload-40k "4xx naming the column limit; RSS kept +<=${RSS_BUDGET_MB} MB (60 s); no sampling gap" \
      "HTTP $code '$msg'; RSS ${rss0} MB, ${rss1} MB right after, ${kept}; $gaps" \
      "$(verdict test "${code:0:1}" = 4 -a "$((${kept%% *} - rss0))" -le "$RSS_BUDGET_MB" \
        -a "${gaps%% *}" = gaps=0 -a -n "$(echo "$msg" | grep -i column)")"

    t0=$(now)
    local -A codes=()
    for ((n = 0; n < 100; n++)); do
      http c /dev/null -F "file=@$d/wide40k.csv" "http://127.0.0.1:$SRV_PORT/api/upload-csv?wait=true"
      codes[$c]=$((${codes[$c]:-0} + 1))
    done
    rss1=$(rss_mb "$pid")
    t1=$(now)
    settle "$d/logs"
    gaps=$(history_gaps "$d/logs" "$t0" "$t1")
    local burst
    burst=$(since "$t0")
    kept=$(rss_settled "$pid" $((rss0 + RSS_BUDGET_MB)) 60)
    local summary="" k
    for k in "${!codes[@]}"; do summary+="${codes[$k]}x$k "; done
    record columns:100-uploads "all 4xx; RSS kept within ${RSS_BUDGET_MB} MB of start (60 s); no sampling gap" \
      "${summary}in ${burst}s; RSS ${rss0} MB, ${rss1} MB right after (not judged), ${kept}; $gaps" \
      "$(verdict test -z "$(printf '%s\n' "${!codes[@]}" | grep -v '^4')" \
        -a "$((${kept%% *} - rss0))" -le "$RSS_BUDGET_MB" -a "${gaps%% *}" = gaps=0 -a "$(alive "$pid" && echo y)" = y)"
    stop_server "$pid"
  fi

  cli "$d/cli100k.out" --csv-file "$d/wide100k.csv"
  code=$?
  record columns:cli-100k "exit 3, one clear line, no stack trace" \
    "exit $code: $(said "$d/cli100k.out")" \
    "$(verdict test "$code" = 3 -a "$(one_line "$d/cli100k.out")" = 1 -a -n "$(grep -i column "$d/cli100k.out")" \
      -a -z "$(stack_trace "$d/cli100k.out" && echo trace)")"
}

case_upload-no-boundary() {
  local d=$CASE_DIR out bound=$((IDLE_SECONDS + 2))
  if ! MAD_HTTP_IDLE_SECONDS=$IDLE_SECONDS up "$d/logs"; then
    record upload-no-boundary "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  out=$(python3 "$HELPERS/netprobe.py" noboundary "$SRV_PORT" 20 $((IDLE_SECONDS + 20)))
  local ended max left
  ended=$(pyjson <(echo "$out") "sum(1 for e in d['ended_s'] if e is not None and e <= $bound)")
  max=$(pyjson <(echo "$out") "max((e for e in d['ended_s'] if e is not None), default='none')")
  # the part files go when the connection does; give the deletion a moment
  for _ in $(seq 1 20); do
    left=$(files_in "$d/logs/uploads")
    [ "$left" = 0 ] && break
    sleep 0.2
  done
  record upload-no-boundary "20/20 answered or closed within idle ${IDLE_SECONDS}s (+2 s); uploads/ empty" \
    "$ended/20 ended within ${bound}s (latest ${max}s); uploads/: $left files" \
    "$(verdict test "$ended" = 20 -a "$left" = 0)"
  stop_server "$SRV_PID"
}

case_slowloris() {
  local d=$CASE_DIR out bound=$((2 * IDLE_SECONDS)) every=2
  if ! MAD_HTTP_IDLE_SECONDS=$IDLE_SECONDS up "$d/logs"; then
    record slowloris "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  out=$(python3 "$HELPERS/netprobe.py" slowloris "$SRV_PORT" 5 "$every" 30)
  local closed times
  closed=$(pyjson <(echo "$out") "sum(1 for e in d['ended_s'] if e is not None and e <= $bound)")
  times=$(pyjson <(echo "$out") "' '.join('open' if e is None else str(e) for e in d['ended_s'])")
  record slowloris "5/5 closed by the server within ${bound}s (a header byte every ${every}s, idle ${IDLE_SECONDS}s)" \
    "$closed/5 closed; seconds: $times" "$(verdict test "$closed" = 5)"
  stop_server "$SRV_PID"
}

case_origin() {
  local d=$CASE_DIR evil=http://evil.example code code2 ws hdrs
  if ! up "$d/logs"; then
    record origin "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  local base=http://127.0.0.1:$SRV_PORT P=$SRV_PORT
  cp "$SAMPLE" "$d/sample.csv"

  curl -s -D "$d/info.h" -o /dev/null --max-time 10 -H "Origin: $evil" "$base/eventbus/info"
  code=$(awk 'NR==1 {print $2}' "$d/info.h")
  local acao
  acao=$(grep -i '^access-control-allow-origin:' "$d/info.h" | tr -d '\r' | cut -d' ' -f2-)
  record origin:eventbus-info-foreign "403, no Access-Control-Allow-Origin: $evil" \
    "HTTP $code; ACAO '${acao}'" "$(verdict test "$code" = 403 -a "$acao" != "$evil")"

  ws=$(pyjson <(python3 "$HELPERS/netprobe.py" ws "$P" "$evil") "d['status']")
  record origin:websocket-foreign "refused (not 101)" "HTTP $ws" "$(verdict test -n "$ws" -a "$ws" != 101)"

  http code "$d/up.json" -H "Origin: $evil" -F "file=@$d/sample.csv" "$base/api/upload-csv"
  record origin:upload-foreign "403" "HTTP $code" "$(verdict test "$code" = 403)"

  http code /dev/null -H "Host: evil.example" "$base/"
  http code2 /dev/null -H "Host: evil.example" "$base/api/status"
  record origin:host-foreign "403 (DNS rebinding)" "GET / $code, /api/status $code2" \
    "$(verdict test "$code" = 403 -a "$code2" = 403)"

  local name
  for name in 127.0.0.1 localhost; do
    local o=http://$name:$P h=$name:$P c1 c2 c3
    http c1 /dev/null -H "Host: $h" -H "Origin: $o" "$base/"
    http c2 /dev/null -H "Host: $h" -H "Origin: $o" "$base/eventbus/info"
    ws=$(pyjson <(python3 "$HELPERS/netprobe.py" ws "$P" "$o" "$h") "d['status']")
    http c3 "$d/up-$name.json" -H "Host: $h" -H "Origin: $o" -F "file=@$d/sample.csv" "$base/api/upload-csv"
    record "origin:same-origin-$name" "dashboard 200, /eventbus/info 200, WebSocket 101, upload 202" \
      "dashboard $c1, info $c2, WebSocket $ws, upload $c3" \
      "$(verdict test "$c1" = 200 -a "$c2" = 200 -a "$ws" = 101 -a "$c3" = 202)"
  done

  hdrs=$(curl -s -D - -o /dev/null --max-time 10 "$base/" | tr -d '\r')
  local nosniff xfo csp
  nosniff=$(echo "$hdrs" | grep -ic '^x-content-type-options: nosniff')
  xfo=$(echo "$hdrs" | grep -i '^x-frame-options:' | cut -d' ' -f2)
  csp=$(echo "$hdrs" | grep -ic '^content-security-policy: .')
  record origin:security-headers "nosniff, X-Frame-Options, Content-Security-Policy on /" \
    "nosniff=$nosniff X-Frame-Options=${xfo:-none} CSP=$csp" \
    "$(verdict test "$nosniff" = 1 -a -n "$xfo" -a "$csp" = 1)"
  stop_server "$SRV_PID"
}

case_methods() {
  local d=$CASE_DIR c1 c2
  if ! up "$d/logs"; then
    record methods "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  local base=http://127.0.0.1:$SRV_PORT
  http c1 /dev/null -I "$base/"
  http c2 /dev/null -I "$base/api/status"
  record methods:head "HEAD / and HEAD /api/status 200" "/ $c1, /api/status $c2" \
    "$(verdict test "$c1" = 200 -a "$c2" = 200)"

  # other methods on existing routes: 405 with Allow, or 200/204; never 404
  local m path obs="" ok=0 total=0 code allow
  for m in OPTIONS DELETE PUT; do
    for path in / /api/status /api/upload-csv /health; do
      code=$(curl -s -o /dev/null -D "$d/h" -w '%{http_code}' --max-time 10 -X "$m" "$base$path")
      allow=$(grep -ci '^allow:' "$d/h")
      total=$((total + 1))
      if [ "$code" = 200 ] || [ "$code" = 204 ] || { [ "$code" = 405 ] && [ "$allow" = 1 ]; }; then
        ok=$((ok + 1))
      else
        obs+="$m $path $code(allow=$allow) "
      fi
    done
  done
  record methods:other "OPTIONS/DELETE/PUT on routes: 405+Allow or 200/204, never 404" \
    "$ok/$total fine ${obs:+; wrong: $obs}" "$(verdict test "$ok" = "$total")"

  http c1 /dev/null "$base/no-such-page"
  http c2 /dev/null -X DELETE "$base/api/no-such-route"
  record methods:unknown-path "404" "GET /no-such-page $c1, DELETE /api/no-such-route $c2" \
    "$(verdict test "$c1" = 404 -a "$c2" = 404)"
  stop_server "$SRV_PID"
}

case_auth() {
  local d=$CASE_DIR token=attack-suite-token-0123456789 c1 c2 out
  if ! MAD_HTTP_AUTH_TOKEN=$token up "$d/logs"; then
    record auth "server starts with a token" "did not start: $(said "$SRV_OUT")" FAIL
  else
    local base=http://127.0.0.1:$SRV_PORT
    http c1 /dev/null "$base/api/status"
    http c2 /dev/null -H "Authorization: Bearer $token" "$base/api/status"
    record auth:token "/api/status 401 without token, 200 with Bearer" "without $c1, Bearer $c2" \
      "$(verdict test "$c1" = 401 -a "$c2" = 200)"

    out=$(python3 "$HELPERS/netprobe.py" logins "$SRV_PORT" 1000)
    local n401 n429 first
    n401=$(pyjson <(echo "$out") "d['counts'].get('401', 0)")
    n429=$(pyjson <(echo "$out") "d['counts'].get('429', 0)")
    first=$(pyjson <(echo "$out") "d['first_429']")
    record auth:login-limit "1,000 wrong POST /login: 10 x 401, then 429 (10 per minute per client)" \
      "counts $(pyjson <(echo "$out") "d['counts']" | tr -d '"') in $(pyjson <(echo "$out") "d['seconds']")s; first 429 at try $first" \
      "$(verdict test "$n401" = 10 -a "$n429" = 990 -a "$first" = 11)"
    stop_server "$SRV_PID"
  fi

  # 16 spaces, in the config file and in the environment
  printf '{"http": {"auth_token": "%16s"}}\n' "" >"$d/spaces.json"
  local r1 r2 o1 o2
  start_expect_exit r1 30 "$d/logs-spaces" -conf "$d/spaces.json"
  o1=$SRV_OUT
  MAD_HTTP_AUTH_TOKEN="                " start_expect_exit r2 30 "$d/logs-spaces"
  o2=$SRV_OUT
  record auth:blank-token "token of 16 spaces (file, env): exit 2 with a message" \
    "file: $r1 '$(said "$o1")'; env: $r2 '$(said "$o2" | cut -c1-40)'" \
    "$(verdict test "$r1" = "exit 2" -a "$r2" = "exit 2" -a -n "$(grep -i token "$o1")" \
      -a -z "$(stack_trace "$o1" && echo trace)")"
}

case_inputs() {
  local d=$CASE_DIR code
  ln -s loop-b.csv "$d/loop-a.csv"
  ln -s loop-a.csv "$d/loop-b.csv"
  mkfifo "$d/fifo.csv"
  python3 -c 'import sys; open(sys.argv[1], "wb").write(
    "timestamp,cpu_percent\n2024-01-01 00:00:00,1.5\n2024-01-01 00:00:01,2.5\n".encode("utf-16"))' "$d/utf16.csv"

  # check NAME FILE WANT_REGEX NOT_REGEX EXPECTED
  check() {
    cli "$d/$1.out" --csv-file "$d/$2"
    code=$?
    local text
    text=$(tr -d '\r' <"$d/$1.out")
    record "inputs:$1" "$5" "exit $code: $(said "$d/$1.out")" \
      "$(verdict test "$code" != 0 -a "$code" != 124 -a "$code" != 137 -a "$(one_line "$d/$1.out")" = 1 \
        -a -n "$(echo "$text" | grep -iE "$3")" -a -z "$(echo "$text" | grep -iE "$4")" \
        -a -z "$(stack_trace "$d/$1.out" && echo trace)")"
  }
  check symlink-loop loop-a.csv '(symbolic link|symlink).*loop' 'does not exist' "non-zero; one line saying symlink loop (not 'does not exist')"
  check fifo fifo.csv 'not a regular file' 'empty' "non-zero; one line: not a regular file (not 'empty')"
  check utf16 utf16.csv 'UTF-16' 'binary' "non-zero; one line: UTF-16 (not 'binary')"
}

# kill9: rounds of kill -9 during an upload, during history writes, during start-up; after each,
# a restart on the same logs_dir must be healthy with intact files
case_kill9() {
  local d=$CASE_DIR logs=$CASE_DIR/logs big r kind
  big=$(big_csv)
  local -A bad=() worst=()
  local part_files=0 torn=0 early=0
  # restart_check KIND: restarts on $logs, checks health and files; notes problems in bad[KIND]
  restart_check() {
    local t fields
    start_server "$logs"
    if ! await_health 30; then
      bad[$1]+="r$r: not healthy in 30 s ($(said "$SRV_OUT")); "
      return
    fi
    t=$HEALTH_S
    awk -v a="$t" -v b="${worst[$1]:-0}" 'BEGIN {exit !(a > b)}' && worst[$1]=$t
    fields=$(history_fields "$logs")
    case $fields in *" bad=0"*) ;; *) bad[$1]+="r$r: $fields; " ;; esac
    if [ -f "$logs/anomalies.json" ] && ! python3 -m json.tool "$logs/anomalies.json" >/dev/null 2>&1; then
      bad[$1]+="r$r: anomalies.json invalid; "
    fi
    [ "$(files_in "$logs/uploads")" = 0 ] || bad[$1]+="r$r: uploads/ has $(files_in "$logs/uploads") files; "
  }
  if ! up "$logs"; then
    record kill9 "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  for ((r = 1; r <= KILL9_ROUNDS; r++)); do
    # (a) during an upload: odd rounds while the body streams in, even ones while it is analysed
    local curl_pid
    if ((r % 2)); then
      curl -s -o /dev/null --max-time 60 --limit-rate 3M -F "file=@$big" "http://127.0.0.1:$SRV_PORT/api/upload-csv" &
      curl_pid=$!
      for _ in $(seq 1 50); do [ "$(files_in "$logs/uploads")" -gt 0 ] && break; sleep 0.1; done
      sleep 0.$((RANDOM % 9 + 1))
    else
      curl -s -o /dev/null --max-time 60 -F "file=@$big" "http://127.0.0.1:$SRV_PORT/api/upload-csv" &
      curl_pid=$!
      wait "$curl_pid"
      sleep 0.$((RANDOM % 9 + 1))
    fi
    [ "$(files_in "$logs/uploads")" -gt 0 ] && part_files=$((part_files + 1))
    kill -9 "$SRV_PID"
    wait "$SRV_PID" 2>/dev/null
    wait "$curl_pid" 2>/dev/null
    restart_check upload

    # (b) while it writes history: any moment after 5 s of sampling; the suite also tears the last
    # line, as a crash in mid-write would
    local rows
    rows=$(history_rows "$logs")
    await_rows "$logs" $((rows + 5)) 15
    sleep 0.$((RANDOM % 9 + 1))
    kill -9 "$SRV_PID"
    wait "$SRV_PID" 2>/dev/null
    tail -1 "$logs/metrics_history.csv" | head -c 37 >>"$logs/metrics_history.csv"
    case $(history_fields "$logs") in *" bad=0"*) ;; *) torn=$((torn + 1)) ;; esac
    restart_check history

    # (c) during start-up: 0.5 to 1 s after launch
    kill -9 "$SRV_PID"
    wait "$SRV_PID" 2>/dev/null
    start_server "$logs"
    sleep "0.$((RANDOM % 5 + 5))"
    grep -q 'Dashboard on' "$SRV_OUT" || early=$((early + 1))
    kill -9 "$SRV_PID"
    wait "$SRV_PID" 2>/dev/null
    restart_check startup
  done
  local -A how=(
    [upload]="$part_files kills with a file in uploads/"
    [history]="$torn torn last lines"
    [startup]="$early kills before the dashboard was up"
  )
  for kind in upload history startup; do
    record "kill9:$kind" "restart healthy <=30 s; 15-field lines only; anomalies.json valid; uploads/ empty" \
      "${KILL9_ROUNDS} rounds (${how[$kind]}); slowest restart ${worst[$kind]:-n/a}s; ${bad[$kind]:-no problems}" \
      "$(verdict test -z "${bad[$kind]:-}")"
  done
  stop_server "$SRV_PID"
}

case_corrupt-db() {
  local d=$CASE_DIR code aside="" i
  mkdir -p "$d/logs"
  head -c 65536 /dev/urandom >"$d/logs/anomaly_history.db"
  if ! up "$d/logs"; then
    record corrupt-db "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  local base=http://127.0.0.1:$SRV_PORT
  for ((i = 0; i < 20; i++)); do
    curl -s -o "$d/health.json" --max-time 5 "$base/health"
    aside=$(pyjson <(health_check "$d/health.json" analysis) "d['data']['history_set_aside']")
    [ -n "$aside" ] && break
    sleep 0.5
  done
  record corrupt-db:health "/health analysis data names history_set_aside after start (10 s)" \
    "history_set_aside=${aside:-absent}; analysis $(health_check "$d/health.json" analysis | cut -c1-80)" \
    "$(verdict test -n "$aside")"

  cp "$SAMPLE" "$d/sample.csv"
  http code "$d/up.json" -F "file=@$d/sample.csv" "$base/api/upload-csv?wait=true"
  local id listed
  id=$(pyjson "$d/up.json" "d['analysis_id']")
  curl -s -o "$d/hist.json" --max-time 10 "$base/api/analysis-history"
  listed=$(pyjson "$d/hist.json" "any(a['id'] == $id for a in d['analyses'])" 2>/dev/null)
  curl -s -o "$d/health2.json" --max-time 5 "$base/health"
  aside=$(pyjson <(health_check "$d/health2.json" analysis) "d['data']['history_set_aside']")
  record corrupt-db:upload "upload 200 success, listed in /api/analysis-history" \
    "HTTP $code analysis_id=${id:-none} listed=${listed:-no}; set-aside file after it: $(basename "${aside:-none}")" \
    "$(verdict test "$code" = 200 -a "$listed" = true)"
  stop_server "$SRV_PID"
}

# mount_tmpfs DIR OPTIONS: a tmpfs the cleanup unmounts
mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "$2" tmpfs "$1" 2>/dev/null || return 1
  echo "$1" >>"$MOUNTS"
}

case_disk-full() {
  local d=$CASE_DIR mnt=$CASE_DIR/mnt code i
  if [ "$(id -u)" != 0 ] || ! mount_tmpfs "$mnt" size=2m; then
    record disk-full "needs root (tmpfs)" "not root / mount failed" SKIP
    return
  fi
  if ! up "$mnt"; then
    record disk-full "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  local pid=$SRV_PID base=http://127.0.0.1:$SRV_PORT
  await_rows "$mnt" 3
  local t_full t_down=""
  t_full=$(now)
  dd if=/dev/zero of="$mnt/filler" bs=16k 2>/dev/null
  local persist="" hcode
  for ((i = 0; i < 20; i++)); do
    hcode=$(curl -s -o "$d/full.json" -w '%{http_code}' --max-time 5 "$base/health")
    persist=$(health_check "$d/full.json" persist)
    [ "$hcode" = 503 ] && [ "$(pyjson <(echo "$persist") "d['status']")" = DOWN ] &&
      echo "$persist" | grep -qi 'disk full' && echo "$persist" | grep -q rows_dropped && break
    sleep 0.5
  done
  t_down=$(since "$t_full")
  record disk-full:health "/health 503, persist DOWN, data says disk full + rows_dropped (10 s)" \
    "HTTP $hcode after ${t_down}s; persist $(echo "${persist:-none}" | cut -c1-90)" \
    "$(verdict test "$hcode" = 503 -a -n "$(echo "$persist" | grep -i 'disk full' | grep rows_dropped | grep DOWN)")"
  # Keep the disk full until rows are actually dropped (a file's last block takes a few more rows
  # first), bounded at 60 s, so that the recovery below checks the dropped count against the loss.
  for ((i = 0; i < 120; i++)); do
    curl -s -o "$d/full.json" --max-time 5 "$base/health"
    [ "$(pyjson <(health_check "$d/full.json" persist) "d['data']['rows_dropped']")" -ge 1 ] 2>/dev/null && break
    sleep 0.5
  done

  cp "$SAMPLE" "$d/sample.csv"
  local t_up
  t_up=$(now)
  http code "$d/up.json" -F "file=@$d/sample.csv" "$base/api/upload-csv"
  record disk-full:upload "early error, 507 (4xx/5xx), body says disk full / no space" \
    "HTTP $code$([ "$code" = 000 ] && echo ' (no HTTP answer)') after $(since "$t_up")s $(head -c 90 "$d/up.json" 2>/dev/null)" \
    "$(verdict test "$code" -ge 400 -a -n "$(grep -iE 'disk full|no space' "$d/up.json" 2>/dev/null)")"

  local rows_full
  rows_full=$(history_rows "$mnt")
  rm -f "$mnt/filler"
  local dropped="" t0
  t0=$(now)
  for ((i = 0; i < 20; i++)); do
    hcode=$(curl -s -o "$d/after.json" -w '%{http_code}' --max-time 5 "$base/health")
    [ "$hcode" = 200 ] && break
    sleep 0.5
  done
  local back=$(since "$t0")
  await_rows "$mnt" $((rows_full + 2)) 10
  dropped=$(pyjson <(health_check "$d/after.json" persist) "d['data']['rows_dropped']")
  local lost
  lost=$(history_missing "$mnt" "$t_full" "$(now)")
  record disk-full:recovery "after freeing: 200 within 10 s, new rows, rows_dropped >= 1 and >= the samples missing from the history, server alive" \
    "HTTP $hcode after ${back}s; rows $rows_full->$(history_rows "$mnt"); rows_dropped=${dropped:-absent}; missing=$lost; alive=$(alive "$pid" && echo yes || echo no)" \
    "$(verdict test "$hcode" = 200 -a "$(history_rows "$mnt")" -gt "$rows_full" -a "${dropped:-0}" -ge 1 \
      -a "$lost" -le "$((${dropped:-0} + 1))" -a "$(alive "$pid" && echo y)" = y)"

  local fields
  fields=$(history_fields "$mnt")
  record disk-full:lines "every metrics_history.csv line 15 fields (no cut or joined line)" "$fields" \
    "$(verdict test -n "$(echo "$fields" | grep ' bad=0')")"
  stop_server "$pid"
}

case_logs-dir-removed() {
  local d=$CASE_DIR logs=$CASE_DIR/logs i
  if ! up "$logs"; then
    record logs-dir-removed "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  local pid=$SRV_PID base=http://127.0.0.1:$SRV_PORT t0 took=""
  await_rows "$logs" 3
  rm -rf "$logs"
  t0=$(now)
  # ~5 s promised; looked for during 8 s, passed within 6 s
  for ((i = 0; i < 40; i++)); do
    if [ -f "$logs/.server.lock" ] && [ "$(history_rows "$logs")" -ge 1 ] &&
      head -1 "$logs/metrics_history.csv" | grep -q '^timestamp,'; then
      took=$(since "$t0")
      break
    fi
    sleep 0.2
  done
  record logs-dir-removed:recreated "within ~5 s (6): dir, metrics_history.csv (header + rows), lock back" \
    "${took:+after ${took}s}${took:-not within 8 s}; in the dir: $(ls -A "$logs" 2>/dev/null | tr '\n' ' ' | cut -c1-80)" \
    "$(verdict test -n "$took" -a "$(awk -v s="${took:-99}" 'BEGIN {print (s <= 6) ? 1 : 0}')" = 1)"

  local persist=""
  for ((i = 0; i < 10; i++)); do
    curl -s -o "$d/health.json" --max-time 5 "$base/health"
    persist=$(health_check "$d/health.json" persist)
    echo "$persist" | grep -q logs_dir_recreated && break
    sleep 0.5
  done
  record logs-dir-removed:health "/health persist data reports logs_dir_recreated" \
    "persist $(echo "${persist:-none}" | cut -c1-90)" \
    "$(verdict test -n "$(echo "$persist" | grep logs_dir_recreated)")"

  local r
  start_expect_exit r 30 "$logs"
  record logs-dir-removed:second-server "a second server on the dir: exit 2, 'another server'" \
    "$r: $(said "$SRV_OUT")" \
    "$(verdict test "$r" = "exit 2" -a -n "$(grep -i 'another server' "$SRV_OUT")")"
  stop_server "$pid"
}

case_read-only() {
  local d=$CASE_DIR ro=$CASE_DIR/ro r t0 took
  if [ "$(id -u)" != 0 ] || ! mount_tmpfs "$ro" ro,size=1m; then
    record read-only "needs root (tmpfs)" "not root / mount failed" SKIP
    return
  fi
  t0=$(now)
  start_expect_exit r 20 "$ro"
  took=$(since "$t0")
  record read-only:server "exit 2 within 20 s, message names the reason (Read-only file system)" \
    "$r after ${took}s: $(said "$SRV_OUT")" \
    "$(verdict test "$r" = "exit 2" -a -n "$(grep -i 'read-only' "$SRV_OUT")")"

  local big t_ok t_ro code
  big=$(big_csv)
  t0=$(now)
  cli "$d/ok.out" --csv-file "$big" --output-file "$d/out.csv"
  local ok_code=$?
  t_ok=$(since "$t0")
  t0=$(now)
  cli "$d/ro.out" --csv-file "$big" --output-file "$ro/out.csv"
  code=$?
  t_ro=$(since "$t0")
  record read-only:cli-output "non-zero, one clear line (and the --help hint), in under half the analysis time" \
    "exit $code after ${t_ro}s (analysis ${t_ok}s, exit $ok_code): $(said "$d/ro.out")" \
    "$(verdict test "$code" != 0 -a "$ok_code" = 0 -a "$(grep -vc -- '--help' "$d/ro.out")" = 1 \
      -a "$(awk -v a="$t_ro" -v b="$t_ok" 'BEGIN {print (a < b / 2) ? 1 : 0}')" = 1 \
      -a -n "$(grep -iE 'read-only|cannot write|not writable' "$d/ro.out")" -a -z "$(stack_trace "$d/ro.out" && echo trace)")"
}

case_load() {
  local d=$CASE_DIR t0 t1
  if ! command -v ab >/dev/null; then
    apt-get install -y -qq apache2-utils >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq apache2-utils >/dev/null 2>&1; }
  fi
  if ! command -v ab >/dev/null; then
    record load "ab (apache2-utils) available" "ab missing, could not install" FAIL
    return
  fi
  if ! up "$d/logs"; then
    record load "server starts" "did not start: $(said "$SRV_OUT")" FAIL
    return
  fi
  await_rows "$d/logs" 3
  t0=$(now)
  ab -q -k -c 50 -t 10 -n 10000000 -s 10 "http://127.0.0.1:$SRV_PORT/api/status" >"$d/ab.out" 2>&1
  t1=$(now)
  settle "$d/logs"
  local rps p99 complete errors non2xx keepalive gaps
  rps=$(awk '/^Requests per second/ {print $4}' "$d/ab.out")
  p99=$(awk '$1 == "99%" {print $2}' "$d/ab.out")
  complete=$(awk '/^Complete requests/ {print $3}' "$d/ab.out")
  # Length "failures" only mean that answers differ in length (uptime, counters): not errors
  errors=$(grep -oE '\(Connect: [0-9]+, Receive: [0-9]+, Length: [0-9]+, Exceptions: [0-9]+\)' "$d/ab.out" |
    awk -F'[:,) ]+' '{print $2 + $4 + $8}')
  non2xx=$(awk '/^Non-2xx responses/ {print $3}' "$d/ab.out")
  keepalive=$(awk '/^Keep-Alive requests/ {print $3}' "$d/ab.out")
  gaps=$(history_gaps "$d/logs" "$t0" "$t1")
  record load "no errors, no sampling gap (req/s and p99 reported, not judged)" \
    "${complete:-0} requests (${keepalive:-0} keep-alive), ${rps:-?} req/s, p99 ${p99:-?} ms, errors ${errors:-0}, non-2xx ${non2xx:-0}; $gaps" \
    "$(verdict test "${complete:-0}" -gt 0 -a "${errors:-0}" = 0 -a "${non2xx:-0}" = 0 -a "${gaps%% *}" = gaps=0)"
  stop_server "$SRV_PID"
}

# ---------------------------------------------------------------------------------------------
# Child mode: run one case (the parent puts it under a timeout)

if [ "${1:-}" = __case ]; then
  CASE_DIR=$WORK/$2
  mkdir -p "$CASE_DIR"
  "case_$2" # whatever it leaves running, the parent kills
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Parent: choose the cases, run each under its timeout, print the table

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  usage
  exit 0
fi
selected=()
for arg in "$@"; do
  if [ -n "${CASE_GROUPS[$arg]:-}" ]; then
    selected+=(${CASE_GROUPS[$arg]})
  elif printf '%s\n' "${CASES[@]%%:*}" | grep -qx -- "$arg"; then
    selected+=("$arg")
  else
    echo "unknown case or group: $arg" >&2
    usage >&2
    exit 2
  fi
done
[ ${#selected[@]} -gt 0 ] || selected=("${CASES[@]%%:*}")

JAR=${JAR:-target/server.jar}
if [ ! -f "$JAR" ]; then
  if [ "$JAR" = target/server.jar ]; then
    echo "building target/server.jar" >&2
    mvn -B -q package -DskipTests || exit 2
  else
    echo "JAR=$JAR does not exist" >&2
    exit 2
  fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/attack.XXXXXX")
RESULTS=$WORK/results.tsv
PIDS=$WORK/pids
MOUNTS=$WORK/mounts
JAR_COPY=$WORK/server.jar
export WORK RESULTS PIDS MOUNTS JAR_COPY
: >"$RESULTS"
: >"$PIDS"
: >"$MOUNTS"
# kill_ours: kills what the registry lists (a pid, or -pgid for a process group), but only
# processes whose command line names this run's $WORK, so a reused pid is never hit
kill_ours() {
  local e p
  for e in $(cat "$PIDS" 2>/dev/null); do
    for p in $(if [ "${e:0:1}" = - ]; then pgrep -g "${e#-}"; else echo "$e"; fi); do
      tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF "$WORK" && kill -9 "$p" 2>/dev/null
    done
  done
  : >"$PIDS"
}
cleanup() {
  local m
  kill_ours
  for m in $(tac "$MOUNTS" 2>/dev/null); do umount -l "$m" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A copy, so that a rebuild of target/ during the run cannot change the jar under a server.
cp "$JAR" "$JAR_COPY"

suite_start=$SECONDS
echo "attack suite: $(nproc) cores; jar $JAR ($(date -r "$JAR" '+%F %T')); cases: ${selected[*]}" >&2
for c in "${selected[@]}"; do
  limit=$(printf '%s\n' "${CASES[@]}" | awk -F: -v c="$c" '$1 == c {print $2}')
  left=$((SUITE_SECONDS - (SECONDS - suite_start)))
  if [ "$left" -lt 10 ]; then
    record "$c" "runs within the suite's ${SUITE_SECONDS}s" "not run: suite time used up" FAIL
    continue
  fi
  [ "$limit" -le "$left" ] || limit=$left
  echo "[$c] (timeout ${limit}s)" >&2
  before=$(wc -l <"$RESULTS")
  t0=$SECONDS
  # timeout leads a process group of its own: the case and every server it started
  timeout -k 5 "$limit" "$BASH" "$0" __case "$c" "$WORK" &
  case_pid=$!
  echo "-$case_pid" >>"$PIDS"
  wait "$case_pid"
  rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    record "$c" "finishes within ${limit}s" "killed after $((SECONDS - t0))s (hung or too slow)" FAIL
  elif [ "$(wc -l <"$RESULTS")" = "$before" ]; then
    record "$c" "reports a verdict" "the case ended (exit $rc) without one" FAIL
  fi
  kill_ours
  echo "[$c] done in $((SECONDS - t0))s" >&2
done

echo
awk -F'\t' '
  { for (i = 1; i <= 4; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
  END {
    h[1] = "case"; h[2] = "expected"; h[3] = "observed"; h[4] = "verdict"
    for (i = 1; i <= 4; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
    fmt = "%-" w[1] "s | %-" w[2] "s | %-" w[3] "s | %s\n"
    printf fmt, h[1], h[2], h[3], h[4]
    for (i = 1; i <= 4; i++) { dash[i] = sprintf("%" w[i] "s", ""); gsub(/ /, "-", dash[i]) }
    print dash[1] "-+-" dash[2] "-+-" dash[3] "-+-" dash[4]
    for (r = 1; r <= NR; r++) printf fmt, cell[r, 1], cell[r, 2], cell[r, 3], cell[r, 4]
  }' "$RESULTS"
total=$(wc -l <"$RESULTS")
passed=$(awk -F'\t' '$4 == "PASS"' "$RESULTS" | wc -l)
failed=$(awk -F'\t' '$4 == "FAIL"' "$RESULTS" | wc -l)
skipped=$((total - passed - failed))
echo "elapsed: $((SECONDS - suite_start)) s$([ "$skipped" -gt 0 ] && echo "; $skipped skipped (counted as not passed)")"
echo "TOTAL: $total cases, $passed passed, $failed failed"
[ "$passed" = "$total" ]
