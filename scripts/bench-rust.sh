#!/usr/bin/env bash
# Side-by-side speed of this project's decoder and of the Rust reference
# (omerbenamram/evtx 0.12.2, ../shared/bin/evtx_dump), process to process, in
# one run, printing one Markdown table (docs/performance.md, "Against the
# Rust reference", explains it).
#
# Inputs:
#   security  the corpus's omerbenamram-evtx/security.evtx (2.1 MB)
#   hayabusa  the 10 largest logs of the corpus's hayabusa-sample-evtx set,
#             read one after the other in one measurement
#   gen-NMiB  a log of -size MiB (default 256) generated at run time with the
#             project's writer (internal/benchgen, audit-only, seed 4, as
#             scripts/bench.sh's (f)) into the temporary directory
# Columns, each its own process:
#   floor/1    speeddecode floor FILE: process start, read and CRC32 of
#              every 64 KiB chunk (what any reader pays)
#   bare/1     (-files only) bare FILE: the same floor in a program that
#              does not import the evtx package; floor/1 less bare/1 is what
#              linking the package costs a process (the initialisation of
#              its dependencies, the Velocidex decoder's among them)
#   rust/T     RUST_BACKTRACE=0 evtx_dump -o jsonl -t T FILE > out.jsonl
#   decode/W   speeddecode W FILE: evtx.Reader.Events, every event decoded
#              into an evtx.Event, nothing written
#   reuse/W    speeddecode W FILE reuse: the same with Options.ReuseEvents
#              (an Event valid until the next iteration, as a caller that
#              looks at each event once can ask)
# speeddecode is a program of a few lines written and built by this script
# in the temporary directory (a module that imports only the evtx package
# of this tree): internal/benchgen/evtxbench also imports the report
# package, whose dependencies' initialisation costs more than Rust's whole
# run on a small log (11.7 M instructions against 1.3 M).
#   evtxdump/W examples/evtxdump -workers W FILE > out.jsonl
# T and W are 1 on every input, and 2 too on the generated log. Outputs go to
# files in the temporary directory (never to a device). The columns are run
# alternating, -reps times (default 5); CPU time is user+sys of the child
# processes (bash's times; the kernel accounts it in 10 ms ticks here, so
# the 2 MB input needs the repetitions), wall time from date, peak RSS from
# /usr/bin/time when installed. Reported: the median CPU seconds, MB/s of
# CPU time (input bytes / median CPU), MB/s of wall time (median), the
# highest peak RSS, and "x rust": the median CPU time of rust/1 (rust/2 for
# the 2-worker columns) divided by the column's, above 1 meaning less CPU
# than Rust for the same input.
#
# Usage: scripts/bench-rust.sh [-reps N] [-size MiB] [-keep DIR] [-quick] [-files]
#   -quick: 1 rep, a 16 MiB generated log (a smoke run).
#   -keep DIR: keep (and reuse) the generated log and the binaries in DIR.
#   -files: instead, the small real logs file by file (security.evtx and
#     hayabusa's 10 largest), each column's CPU time from perf stat's
#     task-clock (exact, where bash's times counts 10 ms ticks), one
#     process per measurement, columns alternating, the median of -reps
#     (default 10 here). Needs perf.
set -euo pipefail
cd "$(dirname "$0")/.."

reps="" size=256 keep="" files=""
while [ $# -gt 0 ]; do
  case "$1" in
    -reps) reps="$2"; shift 2 ;;
    -size) size="$2"; shift 2 ;;
    -keep) keep="$2"; shift 2 ;;
    -quick) reps=1 size=16; shift ;;
    -files) files=1; shift ;;
    *) echo "usage: $0 [-reps N] [-size MiB] [-keep DIR] [-quick] [-files]" >&2; exit 2 ;;
  esac
done
[ -n "$reps" ] || reps=$([ -n "$files" ] && echo 10 || echo 5)
if [ -n "$files" ] && ! command -v perf >/dev/null; then
  echo "bench-rust: -files needs perf (linux-perf)" >&2
  exit 1
fi

corpus="${SMBREADINESS_CORPUS:-../shared/corpus}"
rust="${EVTX_DUMP:-../shared/bin/evtx_dump}"
[ -x "$rust" ] || { echo "bench-rust: no Rust evtx_dump at $rust (set EVTX_DUMP)" >&2; exit 1; }
[ -d "$corpus" ] || { echo "bench-rust: no corpus at $corpus (set SMBREADINESS_CORPUS)" >&2; exit 1; }
rust="$(cd "$(dirname "$rust")" && pwd)/$(basename "$rust")"

if [ -n "$keep" ]; then
  dir="$keep"; mkdir -p "$dir"
else
  dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fi
go build -o "$dir/evtxbench" ./internal/benchgen/evtxbench # the generator
go build -o "$dir/evtxdump" ./examples/evtxdump
src="$dir/speeddecode-src"
mkdir -p "$src"
# floor.go is the floor, shared by speeddecode and bare.
cat >"$src/floor.go" <<'EOF'
package main

import (
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// floor reads path and CRC32s each 64 KiB chunk, printing a count and the
// sum: what any reader of the file pays.
func floor(path string) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 64<<10)
	var sum uint32
	n := 0
	for {
		k, err := io.ReadFull(f, buf)
		sum ^= crc32.ChecksumIEEE(buf[:k])
		n++
		if err != nil {
			break
		}
	}
	fmt.Println(n, sum)
}
EOF
cat >"$src/main.go" <<'EOF'
// Command speeddecode: "speeddecode floor FILE" reads FILE and CRC32s each
// 64 KiB chunk; "speeddecode W FILE [reuse]" reads every event of FILE with
// evtx.Reader.Events and W workers (and Options.ReuseEvents). It prints a
// count.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/evtxkit/smbreadiness/evtx"
)

func main() {
	if os.Args[1] == "floor" {
		floor(os.Args[2])
		return
	}
	workers, _ := strconv.Atoi(os.Args[1])
	r, err := evtx.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n := 0
	o := evtx.Options{Workers: workers, ReuseEvents: len(os.Args) > 3 && os.Args[3] == "reuse"}
	for range r.Events(context.Background(), o) {
		n++
	}
	fmt.Println(n)
}
EOF
printf 'module speeddecode\n\ngo 1.25\n\nrequire github.com/evtxkit/smbreadiness v0.0.0\n\nreplace github.com/evtxkit/smbreadiness => %s\n' "$PWD" >"$src/go.mod"
cp go.sum "$src/go.sum"
(cd "$src" && GOFLAGS=-mod=mod go build -o "$dir/speeddecode" .)
# bare: the floor alone, in a module of its own.
mkdir -p "$dir/bare-src"
cp "$src/floor.go" "$dir/bare-src/"
printf 'package main\n\nimport "os"\n\nfunc main() { floor(os.Args[1]) }\n' >"$dir/bare-src/main.go"
printf 'module bare\n\ngo 1.25\n' >"$dir/bare-src/go.mod"
(cd "$dir/bare-src" && go build -o "$dir/bare" .)
export RUST_BACKTRACE=0

gen="$dir/gen-${size}MiB.evtx"
[ -n "$files" ] || [ -s "$gen" ] || { "$dir/evtxbench" gen -o "$gen.tmp" -size $((size << 20)) -smb 1 -seed 4 >&2 && mv "$gen.tmp" "$gen"; }

security="$corpus/omerbenamram-evtx/security.evtx"
hayabusa=()
while IFS= read -r f; do hayabusa+=("$f"); done < <(
  find -L "$corpus/hayabusa-sample-evtx" -iname '*.evtx' -printf '%s\t%p\n' | sort -t$'\t' -k1,1rn -k2 | head -10 | cut -f2)
[ "${#hayabusa[@]}" -gt 0 ] || { echo "bench-rust: no logs under $corpus/hayabusa-sample-evtx" >&2; exit 1; }

# One column's command on one file, stdout to $dir/out.jsonl.
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -a -o "$dir/rss.txt" -f %M)
col() { # column file
  case "$1" in
    floor/*) "${timer[@]}" "$dir/speeddecode" floor "$2" ;;
    bare/*) "${timer[@]}" "$dir/bare" "$2" ;;
    rust/*) "${timer[@]}" "$rust" -o jsonl -t "${1#rust/}" "$2" ;;
    decode/*) "${timer[@]}" "$dir/speeddecode" "${1#decode/}" "$2" ;;
    reuse/*) "${timer[@]}" "$dir/speeddecode" "${1#reuse/}" "$2" reuse ;;
    evtxdump/*) "${timer[@]}" "$dir/evtxdump" -workers "${1#evtxdump/}" "$2" ;;
  esac >"$dir/out.jsonl" 2>>"$dir/stderr.txt"
}
raw="$dir/raw.txt"; : >"$raw"
# measure INPUT COLUMN FILE...: one run of the column over the files, appended
# to raw as "input column cpu-seconds wall-seconds bytes peak-rss-KiB".
measure() {
  local in="$1" c="$2"; shift 2
  local bytes=0 f t0 t1 cpu rss=0
  : >"$dir/rss.txt"
  for f in "$@"; do bytes=$((bytes + $(stat -L -c %s "$f"))); done
  cksum "$@" >"$dir/warm.txt" # the page cache warmed: every column reads from memory
  t0=$(date +%s.%N)
  # times' second line: user and system time of the subshell's children.
  cpu=$( (for f in "$@"; do col "$c" "$f" || true; done; times) | tail -1 |
    awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); s += p[1] * 60 + p[2] } printf "%.3f", s }')
  t1=$(date +%s.%N)
  rss=$(grep -E '^[0-9]+$' "$dir/rss.txt" | sort -n | tail -1)
  echo "$in $c $cpu $(echo "$t1 - $t0" | bc) $bytes ${rss:-0}" >>"$raw"
}

echo "bench-rust: $(nproc) cores, $(uptime | sed 's/.*load/load/'), commit $(git rev-parse --short HEAD)" >&2
cols1=(floor/1 rust/1 decode/1 reuse/1 evtxdump/1)

if [ -n "$files" ]; then
  # One line per measurement: "file column task-clock-ms".
  praw="$dir/perf-raw.txt"; : >"$praw"
  for r in $(seq "$reps"); do
    for f in "$security" "${hayabusa[@]}"; do
      cksum "$f" >"$dir/warm.txt"
      for c in bare/1 "${cols1[@]}"; do
        timer=(perf stat -x, -e task-clock -o "$dir/perf.txt")
        col "$c" "$f" || true
        printf '%s\t%s\t%s\n' "$(basename "$f")" "$c" "$(grep task-clock "$dir/perf.txt" | cut -d, -f1)" >>"$praw"
      done
    done
  done
  echo "bench-rust: done, $(uptime | sed 's/.*load/load/')" >&2
  awk -F'\t' '
function median(list,   a, n, i, j, t) {
  n = split(substr(list, 2), a, " ")
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }; ms[$1 SUBSEP $2] = ms[$1 SUBSEP $2] " " $3 }
END {
  split("bare/1 floor/1 rust/1 decode/1 reuse/1 evtxdump/1", cols, " ")
  print "| file | bare ms | floor ms | rust/1 ms | decode/1 ms | reuse/1 ms | evtxdump/1 ms | x rust: decode | reuse | evtxdump |"
  print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for (i = 1; i <= n; i++) {
    f = order[i]; line = "| " f
    for (c = 1; c <= 6; c++) { m[c] = median(ms[f SUBSEP cols[c]]); line = line sprintf(" | %.2f", m[c]); if (i > 1) tot[c] += m[c] }
    printf "%s | %.2f | %.2f | %.2f |\n", line, m[3] / m[4], m[3] / m[5], m[3] / m[6]
  }
  line = "| hayabusa, 10 largest, sum"
  for (c = 1; c <= 6; c++) line = line sprintf(" | %.2f", tot[c])
  printf "%s | %.2f | %.2f | %.2f |\n", line, tot[3] / tot[4], tot[3] / tot[5], tot[3] / tot[6]
}' "$praw"
  exit 0
fi

for r in $(seq "$reps"); do
  for c in "${cols1[@]}"; do measure security "$c" "$security"; done
  for c in "${cols1[@]}"; do measure hayabusa-10 "$c" "${hayabusa[@]}"; done
  for c in "${cols1[@]}" rust/2 decode/2 reuse/2 evtxdump/2; do measure "gen-${size}MiB" "$c" "$gen"; done
done
echo "bench-rust: done, $(uptime | sed 's/.*load/load/')" >&2

awk '
function median(list,   a, n, i, j, t) {
  n = split(substr(list, 2), a, " ")
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
  k = $1 SUBSEP $2
  if (!(k in cpu)) { order[++n] = k; inp[k] = $1; col[k] = $2 }
  cpu[k] = cpu[k] " " $3; wall[k] = wall[k] " " $4; runs[k]++; bytes[k] = $5
  if ($6 > rss[k]) rss[k] = $6
}
END {
  for (i = 1; i <= n; i++) { k = order[i]; mc[k] = median(cpu[k]); mw[k] = median(wall[k]) }
  print "| input | MB | column | runs | median CPU s | MB/s (CPU) | MB/s (wall) | peak RSS MiB | x rust (CPU) |"
  print "|---|---:|---|---:|---:|---:|---:|---:|---:|"
  for (i = 1; i <= n; i++) {
    k = order[i]; c = col[k]; w = c; sub(/.*\//, "", w)
    ref = inp[k] SUBSEP "rust/" w
    x = (ref in mc && mc[k] > 0) ? sprintf("%.2f", mc[ref] / mc[k]) : "-"
    if (c ~ /^floor/) x = "-"
    printf "| %s | %.1f | %s | %d | %.3f | %.1f | %.1f | %.1f | %s |\n", inp[k], bytes[k] / 1e6, c, runs[k], mc[k],
      (mc[k] > 0 ? bytes[k] / 1e6 / mc[k] : 0), (mw[k] > 0 ? bytes[k] / 1e6 / mw[k] : 0), rss[k] / 1024, x
  }
}' "$raw"
