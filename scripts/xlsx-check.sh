#!/usr/bin/env bash
# xlsx-check.sh: read the Excel report with an independent reader.
#
# It writes the report of testdata/smbaudit with `smbaudit -f xlsx` and its
# JSON form, then opens the workbook with openpyxl (Debian python3-openpyxl)
# and checks: the sheets and their order, a frozen header row and an
# autofilter on each, the header cells, one row per client, finding, server
# and input of the JSON form, date cells that hold the exact times (to the
# millisecond), the verdict colours (red yes, amber maybe, none for no
# evidence) and that no cell is a formula. When LibreOffice is installed
# (soffice; it is not installed here, being large), it also imports the
# CSV timeline (--timeline) with "detect special numbers" and checks that
# every time_utc becomes a date cell holding the exact time to the
# millisecond. Exits non-zero on any failure. Installs python3-openpyxl
# with apt-get when it is missing.
#
# Usage: scripts/xlsx-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3 # Debian's python, where python3-openpyxl installs
if ! "$PY" -c 'import openpyxl' 2>/dev/null; then
  echo "installing python3-openpyxl"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-openpyxl >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/smbaudit" ./examples/smbaudit
export SOURCE_DATE_EPOCH=1760000000
"$tmp/smbaudit" -q -f xlsx -o "$tmp/r.xlsx" testdata/smbaudit
"$tmp/smbaudit" -q -f json --max-findings 0 -o "$tmp/r.json" testdata/smbaudit

"$PY" - "$tmp/r.xlsx" "$tmp/r.json" <<'PYEOF'
import datetime, json, sys
import openpyxl

book = openpyxl.load_workbook(sys.argv[1])
rep = json.load(open(sys.argv[2], encoding="utf-8"))
fails = []
def check(ok, msg):
    if not ok:
        fails.append(msg)

want_sheets = ["Summary", "Clients", "Evidence", "Servers", "Inputs"]
check(book.sheetnames == want_sheets, "sheets: %r" % book.sheetnames)
first = {"Summary": "Setting", "Clients": "Client", "Evidence": "Time (UTC)", "Servers": "Server", "Inputs": "Path"}
rows = {"Clients": len(rep["clients"]), "Evidence": len(rep["findings"]),
        "Servers": len(rep["servers"]), "Inputs": len(rep["inputs"])}
for name in want_sheets:
    ws = book[name]
    check(ws.freeze_panes == "A2", "%s: frozen panes %r, want A2" % (name, ws.freeze_panes))
    ref = (ws.auto_filter.ref or "").replace("$", "")
    check(ref.startswith("A1:"), "%s: autofilter %r" % (name, ws.auto_filter.ref))
    check(ws["A1"].value == first[name], "%s: A1 is %r" % (name, ws["A1"].value))
    check(bool(ws["A1"].font.b), "%s: header not bold" % name)
    if name in rows:
        check(ws.max_row - 1 == rows[name], "%s: %d rows, the JSON form has %d" % (name, ws.max_row - 1, rows[name]))
    for row in ws.iter_rows():
        for c in row:
            check(c.data_type != "f", "%s!%s is a formula" % (name, c.coordinate))

check(rows["Evidence"] > 0, "no findings in the fixtures' report")
ev = book["Evidence"]
for r in range(2, min(ev.max_row, 50) + 1):
    a, b = ev.cell(r, 1), ev.cell(r, 2)
    check(a.is_date and isinstance(a.value, datetime.datetime), "Evidence!A%d is not a date: %r" % (r, a.value))
    exact = datetime.datetime.strptime(b.value[:26], "%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(a.value, datetime.datetime):
        check(abs((a.value - exact).total_seconds()) < 0.001, "Evidence!A%d %s is not %s" % (r, a.value, b.value))

fills = {"yes": "F8D0D0", "maybe": "FCE8B2"}
cl = book["Clients"]
header = [c.value for c in cl[1]]
seen = set()
for setting in ("DisableSMB1", "RequireSecuritySignature", "SmbServerNameHardeningLevel=1", "SmbServerNameHardeningLevel=2"):
    col = header.index(setting) + 1
    for r in range(2, cl.max_row + 1):
        c = cl.cell(r, col)
        seen.add(c.value)
        rgb = (c.fill.fgColor.rgb or "") if c.fill is not None and c.fill.fill_type == "solid" else ""
        if c.value in fills:
            check(str(rgb).upper().endswith(fills[c.value]), "Clients!%s %s: fill %r" % (c.coordinate, c.value, rgb))
        else:
            check(c.value == "-" and rgb == "", "Clients!%s %r: fill %r, want none" % (c.coordinate, c.value, rgb))
check({"yes", "maybe", "-"} <= seen, "verdicts seen: %r" % seen)

for f in fails[:20]:
    print("FAIL", f)
if fails:
    sys.exit("xlsx-check: %d failures" % len(fails))
print("xlsx-check: ok: %d sheets, %d clients, %d findings, %d servers, %d inputs read back by openpyxl %s"
      % (len(book.sheetnames), rows["Clients"], rows["Evidence"], rows["Servers"], rows["Inputs"], openpyxl.__version__))
PYEOF

if ! command -v soffice >/dev/null; then
  echo "xlsx-check: SKIP the timeline import: LibreOffice (soffice) is not installed"
  exit 0
fi
"$tmp/smbaudit" -q --timeline "$tmp/timeline.csv" -o "$tmp/r.txt" testdata/smbaudit 2>/dev/null
# CSV filter options: comma, double quote, UTF-8, from line 1, no column
# types, en-US, quoted fields not as text, detect special numbers.
HOME="$tmp" timeout 300 soffice --headless --infilter="CSV:44,34,76,1,,1033,false,true" \
  --convert-to xlsx --outdir "$tmp/lo" "$tmp/timeline.csv" >/dev/null 2>&1
"$PY" - "$tmp/lo/timeline.xlsx" "$tmp/timeline.csv" <<'PYEOF'
import csv, datetime, sys
import openpyxl

ws = openpyxl.load_workbook(sys.argv[1]).active
rows = list(csv.reader(open(sys.argv[2], encoding="utf-8")))
if ws.max_row != len(rows):
    sys.exit("xlsx-check: LibreOffice read %d timeline rows, the CSV has %d" % (ws.max_row, len(rows)))
for r in range(2, ws.max_row + 1):
    c, text = ws.cell(r, 1), rows[r - 1][0]
    want = datetime.datetime.strptime(text[:26], "%Y-%m-%d %H:%M:%S.%f")
    if not (c.is_date and isinstance(c.value, datetime.datetime)) or abs((c.value - want).total_seconds()) >= 0.001:
        sys.exit("xlsx-check: LibreOffice read time_utc %r of row %d as %r" % (text, r, c.value))
print("xlsx-check: ok: LibreOffice imports the %d time_utc cells of the CSV timeline as dates" % (ws.max_row - 1))
PYEOF
