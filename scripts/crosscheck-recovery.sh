#!/usr/bin/env bash
# Cross-check record recovery (evtx.Options.Recover, evtxdump -recover)
# against libevtx's: evtxexport -m recovered, from Debian's libevtx-utils,
# on every *.evtx under ${SMBREADINESS_CORPUS:-../shared/corpus}.
#
# Per file it lists the records evtxexport recovers (from chunk slack and
# unused space), those it exports completely (no "Unable to export
# recovered record" for them), the records evtxdump -recover marks
# "recovered": true, and the complete libevtx records that evtxdump does not
# return, recovered or live (a recovered copy of a live record is dropped
# by evtxdump and found among the live ones). Records are paired by record
# ID and written time (the record header's FILETIME, which evtxdump's
# source offset locates; System/TimeCreated may differ from it), to
# 100 ns; of the missing ones, those whose ID evtxdump returns with
# another written time (another record) are counted apart ("ID only").
#
# Exit status: 0 when the corpus is absent (with a message) or when every
# complete record libevtx recovers comes back; 1 otherwise, or when a tool
# is missing and cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${SMBREADINESS_CORPUS:-../shared/corpus}"
if [ ! -d "$corpus" ]; then
  echo "crosscheck-recovery: no corpus at $corpus (set SMBREADINESS_CORPUS to a directory of .evtx samples); nothing to compare"
  exit 0
fi

if ! command -v evtxexport >/dev/null 2>&1; then
  echo "crosscheck-recovery: installing libevtx-utils (evtxexport)"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  { $sudo_cmd apt-get update >/dev/null 2>&1 && $sudo_cmd apt-get install -y libevtx-utils >/dev/null 2>&1; } ||
    { echo "crosscheck-recovery: cannot install libevtx-utils (apt-get); install evtxexport and retry" >&2; exit 1; }
fi
command -v python3 >/dev/null 2>&1 || { echo "crosscheck-recovery: python3 is needed to compare" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/evtxdump" ./examples/evtxdump

: >"$tmp/rows"
while IFS= read -r -d '' f; do
  timeout 600 evtxexport -m recovered "$f" >"$tmp/theirs.txt" 2>&1 || true
  "$tmp/evtxdump" -recover "$f" >"$tmp/ours.jsonl" 2>/dev/null || true
  python3 - "$f" "$tmp/theirs.txt" "$tmp/ours.jsonl" >>"$tmp/rows" <<'EOF'
import json, re, struct, sys
from datetime import datetime, timedelta

path, theirs, ours = sys.argv[1:4]

def written(s):
    # "Feb 20, 2022 05:32:54.072476000 UTC" -> TimeLayout, to 100 ns.
    m = re.match(r'(\w+ \d+, \d+ \d+:\d+:\d+)\.(\d+) UTC', s.strip())
    if not m:
        return None
    t = datetime.strptime(m.group(1), '%b %d, %Y %H:%M:%S')
    return t.strftime('%Y-%m-%dT%H:%M:%S') + '.' + (m.group(2) + '0000000')[:7] + 'Z'

# evtxexport's text: one block per record ("Event number", "Written
# time", ...), a blank line after it; a record it cannot export ends with
# "Unable to export recovered record: N." (with or without a block).
recs, cur = [], None
for line in open(theirs, errors='replace'):
    line = line.rstrip('\n')
    m = re.match(r'Event number\s*:\s*(\d+)', line)
    if m:
        cur = {'id': int(m.group(1)), 'time': None, 'complete': True}
        recs.append(cur)
        continue
    m = re.match(r'Written time\s*:\s*(.*)', line)
    if m and cur is not None:
        cur['time'] = written(m.group(1))
        continue
    if line.startswith('Unable to export recovered record'):
        if cur is not None:
            cur['complete'] = False
        else:
            recs.append({'id': None, 'time': None, 'complete': False})
        cur = None
        continue
    if line == '':
        cur = None

def filetime(raw):
    # A FILETIME (100 ns ticks since 1601) in TimeLayout.
    try:
        t = datetime(1601, 1, 1) + timedelta(microseconds=raw // 10)
    except OverflowError:
        return 'FILETIME %d' % raw
    return t.strftime('%Y-%m-%dT%H:%M:%S') + '.%07dZ' % (raw % 10000000)

data = open(path, 'rb').read()
live, recovered = {}, {}
for line in open(ours, errors='replace'):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    # libevtx's written time is the record header's FILETIME, read here
    # at the record's place (System/TimeCreated may differ from it).
    off = ev['source']['offset']
    key = (ev.get('record_id'), filetime(struct.unpack_from('<Q', data, off + 16)[0]))
    (recovered if ev.get('recovered') else live).setdefault(key, 0)
    (recovered if ev.get('recovered') else live)[key] += 1
ids_recovered = {k[0] for k in recovered}
ids_all = ids_recovered | {k[0] for k in live}

complete = [r for r in recs if r['complete']]
missing = by_id = 0
for r in complete:
    k = (r['id'], r['time'])
    if k in recovered or k in live:
        continue
    missing += 1
    if r['id'] in ids_all:
        by_id += 1
# Of all the records libevtx recovers, complete or not, those returned.
returned = sum(1 for r in recs if r['id'] is not None and ((r['id'], r['time']) in recovered or (r['id'], r['time']) in live))
if recs or recovered:
    n_ours = sum(recovered.values())
    print('\t'.join(str(x) for x in (path, len(recs), len(complete), n_ours, missing, by_id, returned)))
EOF
done < <(find "$corpus" -type f -iname '*.evtx' -print0 | sort -z)

python3 - "$tmp/rows" "$corpus" <<'EOF'
import os, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
corpus = sys.argv[2]
tot = [0, 0, 0, 0, 0, 0]
print('| file | libevtx recovered | complete | ours (recovered) | missing | of which ID only | of all libevtx ones, returned |')
print('|---|---:|---:|---:|---:|---:|---:|')
for r in rows:
    name = os.path.relpath(r[0], corpus)
    nums = [int(x) for x in r[1:]]
    tot = [a + b for a, b in zip(tot, nums)]
    print('| %s | %s |' % (name, ' | '.join(str(x) for x in nums)))
print('| all %d files | %s |' % (len(rows), ' | '.join(str(x) for x in tot)))
print()
print('crosscheck-recovery: libevtx recovers %d records (%d complete); evtxdump -recover returns %d recovered records; %d complete libevtx records missing (%d of them with an ID evtxdump returns for another record); %d of all the records libevtx recovers returned (as recovered, or as the live record they copy)'
      % tuple(tot))
sys.exit(1 if tot[3] else 0)
EOF
