#!/usr/bin/env bash
# Performance benchmark of the reader and of the main job, side by side in one
# run, printing one Markdown table (docs/performance.md explains it).
#
# Inputs, generated at run time with the project's writer (internal/benchgen)
# into a temporary directory and removed afterwards (-keep DIR keeps them):
#   (a) real logs: *.evtx of $SMBREADINESS_CORPUS (default ../shared/corpus)
#       when present, else the sample logs shipped in the Velocidex module's
#       testdata, read in place (never copied into the repository);
#   (b) a WEF-style mixed log of -size MiB with 0.1% SMB audit events, and
#       one with 0.01%;
#   (m) the same mixed log at 64 MiB (peak RSS must be flat from 64 MiB up);
#   (c) an audit-only log of -audit MiB (SMBServer/Audit events only);
#   (f) audit-only logs of 256 MiB and 1 GiB, on which scan and job run
#       once: peak RSS must be flat from 64 MiB to 1 GiB (not with -quick).
# Columns, each run as its own process (peak RSS from /usr/bin/time -f %M):
#   floor      read the file and CRC32 every 64 KiB chunk
#   velocidex  Velocidex GetChunks + Parse of every chunk, sequential
#   decode/1   this project's evtx, every event, 1 worker
#   decode/N   the same with GOMAXPROCS workers
#   scan       smbaudit.Scan, provider pre-filter on, findings streamed
#              (ScanOptions.OnFinding), as the main job reads, with the
#              SHA-256 of the input computed beside the decoding
#   scan-nohash the same without the SHA-256 (ScanOptions.NoHash): the
#              decoder and its pre-filter alone
#   scan-kept  the same, findings kept in Result.Findings (Scan's default);
#              on (c) only
#   job        the main job itself: examples/smbaudit -f json FILE (scan
#              streamed into report.Builder, JSON report written to /dev/null)
#   evtxexport libevtx's evtxexport (text), and python-evtx's evtx_dump.py
#              (XML), on the real logs and on (c)
# Each Go column is repeated -reps times (floor and scan on the large mixed
# logs at least 5 times), the columns interleaved; the median and the best
# time are reported, and ratios of the best times measured in the same run.
# Full decodes and Velocidex are slow on the 1 GiB logs: they are run there
# once only with -full.
#
# Usage: scripts/bench.sh [-size MiB] [-audit MiB] [-reps N] [-full] [-keep DIR] [-quick] [-scale]
#   -quick: a smoke run (16 MiB mixed logs, 8 MiB audit-only, 1 rep, no
#   python-evtx on the generated log), well under a minute on an idle machine.
#   -scale: the scale run instead (docs/performance.md, "Scale with
#   clients"): on (s) an audit-only log of 44,000 events from 20,000
#   clients, velocidex, scan and job (JSON report written to a file);
#   smbaudit merge of two partials of 200,000 clients (evtxbench partial),
#   and of one of 4,000 names sharing a first label; then the per-client
#   benchmarks of the report (go test -bench 'Clients', 1M clients with
#   -full only; 'Findings', per finding).
# python-evtx runs under a time limit (120 s): a row marked "timeout" gives a
# lower bound of its time.
set -euo pipefail
cd "$(dirname "$0")/.."

size=1024 audit=64 reps=3 full=0 keep="" pytimeout=120 quick=0 scale=0
while [ $# -gt 0 ]; do
  case "$1" in
    -size) size="$2"; shift 2 ;;
    -audit) audit="$2"; shift 2 ;;
    -reps) reps="$2"; shift 2 ;;
    -full) full=1; shift ;;
    -keep) keep="$2"; shift 2 ;;
    -quick) size=16 audit=8 reps=1 quick=1; shift ;;
    -scale) scale=1; shift ;;
    *) echo "usage: $0 [-size MiB] [-audit MiB] [-reps N] [-full] [-keep DIR] [-quick] [-scale]" >&2; exit 2 ;;
  esac
done

install_tools() {
  command -v evtxexport >/dev/null 2>&1 && [ -x /usr/bin/evtx_dump.py ] && return 0
  echo "bench: installing libevtx-utils and python3-evtx" >&2
  local s=""; [ "$(id -u)" = 0 ] || s="sudo"
  $s apt-get install -y libevtx-utils python3-evtx >/dev/null 2>&1 ||
    { $s apt-get update >/dev/null 2>&1 && $s apt-get install -y libevtx-utils python3-evtx >/dev/null 2>&1; } ||
    echo "bench: cannot install libevtx-utils/python3-evtx: those columns are left out" >&2
}
[ "$scale" = 1 ] || install_tools
if [ ! -x /usr/bin/time ]; then # peak RSS comes from GNU time (Debian package time)
  s=""; [ "$(id -u)" = 0 ] || s="sudo"
  $s apt-get install -y time >/dev/null 2>&1 || { $s apt-get update >/dev/null 2>&1 && $s apt-get install -y time >/dev/null 2>&1; } || true
fi
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (Debian package time) is needed for peak RSS" >&2; exit 1; }

if [ -n "$keep" ]; then
  dir="$keep"; mkdir -p "$dir"
else
  dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fi
bin="$dir/evtxbench"
go build -o "$bin" ./internal/benchgen/evtxbench
job="$dir/smbaudit"
go build -o "$job" ./examples/smbaudit

if [ "$scale" = 0 ]; then
gen() { # name MiB fraction seed
  local f="$dir/$1.evtx"
  [ -s "$f" ] || { "$bin" gen -o "$f.tmp" -size $(($2 << 20)) -smb "$3" -seed "$4" >&2 && mv "$f.tmp" "$f"; }
}
gen "b-0.1pct-${size}MiB" "$size" 0.001 1
gen "b-0.01pct-${size}MiB" "$size" 0.0001 2
[ "$quick" = 1 ] || gen "m-0.1pct-64MiB" 64 0.001 1
gen "c-audit-only-${audit}MiB" "$audit" 1 3
if [ "$quick" = 0 ]; then
  gen "f-audit-only-256MiB" 256 1 4
  gen "f-audit-only-1024MiB" 1024 1 5
fi

fi

corpus="${SMBREADINESS_CORPUS:-../shared/corpus}"
real=()
if [ -d "$corpus" ]; then
  realsrc="corpus $corpus"
  while IFS= read -r f; do real+=("$f"); done < <(find "$corpus" -iname '*.evtx' -size +512k | sort | head -5)
else
  vdir="$(go env GOMODCACHE)/$(go list -m -f '{{.Path}}@{{.Version}}' www.velocidex.com/golang/evtx)"
  realsrc="no corpus at $corpus; stand-ins from $vdir/testdata"
  while IFS= read -r f; do real+=("$f"); done < <(find "$vdir/testdata" -iname '*.evtx' | sort)
fi
echo "bench: real logs: $realsrc" >&2

raw="$dir/raw.txt"; : > "$raw"
# run INPUT COLUMN CMD...: one measurement, appended to raw as
# "input column seconds rssKiB bytes count".
run() {
  local in="$1" col="$2"; shift 2
  local out rss secs bytes count
  if ! out=$(/usr/bin/time -f '%M %e' -o "$dir/time.txt" "$@" 2>"$dir/err.txt"); then
    echo "bench: $col on $in failed: $(tail -1 "$dir/err.txt")" >&2
    return 0
  fi
  read -r rss secs < <(tail -1 "$dir/time.txt")
  bytes=$(stat -c %s "$in")
  count=-
  if [ -n "$out" ] && [ "${out%% *}" != "$out" ]; then # evtxbench: "name bytes seconds count"
    read -r _ _ secs count <<<"$out"
  fi
  echo "$(basename "$in") $col $secs $rss $bytes $count" >>"$raw"
}
goruns() { # input reps heavy(0/1)
  local in="$1" r
  for r in $(seq "$2"); do
    # Warm the page cache first: every column reads the file from memory
    # (this machine's kernel reclaims cold pages proactively).
    cat "$in" >/dev/null
    run "$in" floor "$bin" floor "$in"
    if [ "$3" = 1 ]; then
      run "$in" velocidex "$bin" velocidex "$in"
      run "$in" decode/1 "$bin" decode -workers 1 "$in"
      run "$in" "decode/$(nproc)" "$bin" decode "$in"
    fi
    run "$in" scan "$bin" scan -stream "$in"
    run "$in" scan-nohash "$bin" scan -stream -nohash "$in"
    run "$in" job sh -c '"$1" -q -f json "$2" >/dev/null' _ "$job" "$in"
    if [ "$3" = 1 ] && [ "${in#*c-audit-only}" != "$in" ]; then
      run "$in" scan-kept "$bin" scan "$in"
    fi
  done
}
extruns() { # input python(0/1)
  local in="$1" t0 t1
  command -v evtxexport >/dev/null 2>&1 &&
    run "$in" evtxexport sh -c 'evtxexport "$1" >/dev/null' _ "$in"
  if [ -x /usr/bin/evtx_dump.py ] && [ "$2" = 1 ]; then
    t0=$(date +%s.%N)
    local rc=0
    /usr/bin/time -f '%M %e' -o "$dir/time.txt" timeout "$pytimeout" /usr/bin/python3 /usr/bin/evtx_dump.py "$in" >/dev/null 2>"$dir/err.txt" || rc=$?
    if [ "$rc" != 0 ]; then
      t1=$(date +%s.%N)
      local why=failed
      [ "$rc" = 124 ] && why=timeout
      echo "bench: python-evtx on $in: $why ($(tail -1 "$dir/err.txt"))" >&2
      echo "$(basename "$in") python-evtx $(echo "$t1 - $t0" | bc) $(tail -1 "$dir/time.txt" | cut -d' ' -f1 | grep -E '^[0-9]+$' || echo 0) $(stat -c %s "$in") $why" >>"$raw"
    else
      run_recorded "$in" python-evtx
    fi
  fi
  return 0
}
# run_recorded INPUT COLUMN: append the measurement /usr/bin/time just wrote.
run_recorded() {
  local rss secs
  read -r rss secs < <(tail -1 "$dir/time.txt")
  echo "$(basename "$1") $2 $secs $rss $(stat -c %s "$1") -" >>"$raw"
}

if [ "$scale" = 0 ]; then
echo "bench: machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')" >&2
for f in "${real[@]}"; do goruns "$f" "$reps" 1; extruns "$f" 1; done
goruns "$dir/c-audit-only-${audit}MiB.evtx" "$reps" 1
extruns "$dir/c-audit-only-${audit}MiB.evtx" $((1 - quick))
[ "$quick" = 1 ] || goruns "$dir/m-0.1pct-64MiB.evtx" "$reps" 1
for f in "$dir/b-0.1pct-${size}MiB.evtx" "$dir/b-0.01pct-${size}MiB.evtx"; do
  goruns "$f" $((reps < 5 ? 5 : reps)) 0 # cheap columns: at least 5 runs
  [ "$full" = 1 ] && goruns "$f" 1 1
done
if [ "$quick" = 0 ]; then
  for f in "$dir/f-audit-only-256MiB.evtx" "$dir/f-audit-only-1024MiB.evtx"; do goruns "$f" 1 0; done
fi
echo "bench: done, $(uptime | sed 's/.*load/load/')" >&2
fi

# The table, per (input, column): the median and the best of the runs, and
# ratios of the best times against the same input's floor and Velocidex
# (on a shared machine interference only ever adds time, so the best of N
# is the steadier estimate; the medians are shown too).
table() {
awk '
function sorted(list, a,   n, i, j, t) {
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return n
}
{
  k = $1 SUBSEP $2
  if (!(k in secs)) { order[++n] = k; inp[k] = $1; col[k] = $2 }
  secs[k] = secs[k] " " $3; runs[k]++
  if ($4 > rss[k]) rss[k] = $4
  bytes[k] = $5; count[k] = $6
}
END {
  for (i = 1; i <= n; i++) {
    k = order[i]; m = sorted(substr(secs[k], 2), a)
    med[k] = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    best[k] = a[1]
  }
  print "| input | MiB | column | runs | median s | best s | MB/s (best) | x floor | x Velocidex | peak RSS MiB | events/findings |"
  print "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for (i = 1; i <= n; i++) {
    k = order[i]; b = best[k]; fl = inp[k] SUBSEP "floor"; vx = inp[k] SUBSEP "velocidex"
    mbs = (b > 0) ? sprintf("%.1f", bytes[k] / 1e6 / b) : "-"
    xf = (fl in best && b > 0) ? sprintf("%.3f", best[fl] / b) : "-"
    xv = (vx in best && b > 0) ? sprintf("%.2f", best[vx] / b) : "-"
    printf "| %s | %.1f | %s | %d | %.4f | %.4f | %s | %s | %s | %.1f | %s |\n", inp[k], bytes[k] / 1048576, col[k], runs[k], med[k], b, mbs, xf, xv, rss[k] / 1024, count[k]
  }
}' "$1"
}
if [ "$scale" = 1 ]; then
  # On a loaded machine the wall clock of each run swings; its CPU time
  # (user + system, from GNU time) much less: both are shown, each the
  # best of the runs, and the ratios against Velocidex for both.
  sraw="$dir/scale.txt"; : > "$sraw"
  srun() { # INPUT COLUMN CMD...: "input column wall cpu rssKiB bytes"
    local in="$1" col="$2"; shift 2
    if ! /usr/bin/time -f '%M %e %U %S' -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/err.txt"; then
      echo "bench: $col on $in failed: $(tail -1 "$dir/err.txt")" >&2
      return 0
    fi
    local rss e u sy
    read -r rss e u sy < <(tail -1 "$dir/time.txt")
    echo "$(basename "$in") $col $e $(echo "$u + $sy" | bc) $rss $(stat -c %s "$in")" >>"$sraw"
  }
  echo "bench: scale run; machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')" >&2
  s="$dir/s-audit-20k-clients.evtx"
  [ -s "$s" ] || { "$bin" gen -o "$s.tmp" -size $((20 << 20)) -smb 1 -clients 20000 -seed 6 >&2 && mv "$s.tmp" "$s"; }
  for r in $(seq "$reps"); do
    cat "$s" >/dev/null
    srun "$s" velocidex "$bin" velocidex "$s"
    srun "$s" scan "$bin" scan -stream "$s"
    srun "$s" job "$job" -q -f json -o "$dir/job.json" "$s"
  done
  echo "bench: (s) report: $(stat -c %s "$dir/job.json") bytes of JSON" >&2
  for i in 0 1; do
    [ -s "$dir/p200k-$i.json" ] || "$bin" partial -o "$dir/p200k-$i.json" -clients 200000 -part $i -parts 2
  done
  srun "$dir/p200k-0.json" merge-200k "$job" merge -q -f json -o "$dir/merged.json" "$dir/p200k-0.json" "$dir/p200k-1.json"
  [ -s "$dir/shared-4k.json" ] || "$bin" partial -o "$dir/shared-4k.json" -clients 4000 -shared
  srun "$dir/shared-4k.json" merge-shared "$job" merge -q -f json -o "$dir/shared.json" "$dir/shared-4k.json"
  echo "bench: 4,000 names sharing a first label: $(stat -c %s "$dir/shared.json") bytes of JSON" >&2
  echo "bench: done, $(uptime | sed 's/.*load/load/')" >&2
  awk '
  { k = $1 SUBSEP $2
    if (!(k in wall)) { order[++n] = k; inp[k] = $1; col[k] = $2; wall[k] = $3; cpu[k] = $4 }
    if ($3 < wall[k]) wall[k] = $3
    if ($4 < cpu[k]) cpu[k] = $4
    if ($5 > rss[k]) rss[k] = $5
    runs[k]++; bytes[k] = $6 }
  END {
    print "| input | MiB | column | runs | best wall s | best CPU s | x Velocidex (wall) | x Velocidex (CPU) | peak RSS MiB |"
    print "|---|---:|---|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
      k = order[i]; vx = inp[k] SUBSEP "velocidex"
      xw = (vx in wall && wall[k] > 0) ? sprintf("%.2f", wall[vx] / wall[k]) : "-"
      xc = (vx in cpu && cpu[k] > 0) ? sprintf("%.2f", cpu[vx] / cpu[k]) : "-"
      printf "| %s | %.1f | %s | %d | %.2f | %.2f | %s | %s | %.1f |\n", inp[k], bytes[k] / 1048576, col[k], runs[k], wall[k], cpu[k], xw, xc, rss[k] / 1024
    }
  }' "$sraw"
  echo
  # The report's costs per distinct client (1k to 100k clients, 1M with
  # -full), of a merge (10k and 200k clients), and per finding (counted
  # into the rows, and kept; 10 iterations, since at 3 one collection more
  # or less moves the kept figure by half).
  pat='^BenchmarkClients$/^(1|10|100)k$'
  [ "$full" = 1 ] && pat='^BenchmarkClients$'
  go test ./report -run '^$' -bench "$pat" -benchtime 1x -benchmem | grep -E '^Benchmark'
  go test ./report -run '^$' -bench '^BenchmarkMergeClients$' -benchtime 1x -benchmem | grep -E '^Benchmark'
  go test ./report -run '^$' -bench '^BenchmarkFindings$' -benchtime 10x | grep -E '^Benchmark'
  exit 0
fi

table "$raw"
