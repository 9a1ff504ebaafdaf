#!/usr/bin/env bash
# crosscheck-writer.sh: prove that evtx/evtxwrite writes logs that independent
# decoders read the same way.
#
# It writes a varied set of logs with examples/evtxgen (random event sets over
# every value type, many templates, several chunks, format 3.1 and 3.2, plus
# every testdata/**/*.jsonl fixture), decodes each with
#   - this project's examples/evtxdump,
#   - evtxexport -f xml (Debian libevtx-utils),
#   - python-evtx (Debian python3-evtx), whose file and chunk checksum
#     checks must pass,
# and compares every record's System fields, data names and values with the
# JSON Lines input. Exits non-zero on any disagreement. Installs the Debian
# packages with apt-get when they are missing.
#
# Usage: scripts/crosscheck-writer.sh [-n SETS] [-keep DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

sets=6
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) sets="$2"; shift 2 ;;
    -keep) keep="$2"; shift 2 ;;
    *) echo "usage: $0 [-n SETS] [-keep DIR]" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3 # Debian's python, where python3-evtx installs
if ! command -v evtxexport >/dev/null || ! "$PY" -c 'import Evtx.Evtx' 2>/dev/null; then
  echo "installing libevtx-utils and python3-evtx"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libevtx-utils python3-evtx >/dev/null
fi

work=$(mktemp -d)
trap 'if [ -n "$keep" ]; then mkdir -p "$keep"; cp "$work"/*.evtx "$work"/*.jsonl "$keep"/ 2>/dev/null || true; fi; rm -rf "$work"' EXIT
go build -o "$work/evtxgen" ./examples/evtxgen
go build -o "$work/evtxdump" ./examples/evtxdump
dump="$work/evtxdump"

"$PY" - "$work" "$sets" "$dump" <<'PYEOF'
import base64, datetime, glob, json, os, random, subprocess, sys
import xml.etree.ElementTree as ET
import Evtx.Evtx as pyevtx

work, sets, dump = sys.argv[1], int(sys.argv[2]), sys.argv[3]
NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
EPOCH = datetime.datetime(1601, 1, 1)

# ---------------------------------------------------------------- inputs
TYPES = ["string", "ansistring", "uint8", "uint16", "uint32", "uint64", "int32", "int64",
         "bool", "hexint32", "hexint64", "guid", "sid", "filetime", "systemtime", "binary"]
CHARS = "abcXYZ019 _-.\\/:éß€漢<>&\"'"
ANSI = [chr(c) for c in range(0x20, 0x7f) if chr(c) not in "<>&"]

def rguid(r):
    return "{%08X-%04X-%04X-%04X-%012X}" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(16),
                                             r.getrandbits(16), r.getrandbits(48))

def rtime(r, ms=False):
    t = EPOCH + datetime.timedelta(days=r.randint(146000, 155000), seconds=r.randint(0, 86399))
    if ms:
        return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % r.randint(0, 999)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%07dZ" % r.randint(0, 9999999)

def rvalue(r, t, maxlen):
    if t == "string":
        v = "".join(r.choice(CHARS) for _ in range(r.randint(0, maxlen)))
        # evtxexport 20181227 fails ("Unable to export record") on a string
        # that is exactly one character needing an XML escape.
        return "x" if v in ("<", ">", "&") else v
    if t == "ansistring":
        # evtxexport does not XML-escape ANSI strings, so <, > and & would
        # make its output unparsable; the UTF-16 strings carry them instead.
        return "".join(r.choice(ANSI) for _ in range(r.randint(0, maxlen)))
    if t.startswith("uint"): return r.getrandbits(int(t[4:]))
    if t.startswith("int"):
        b = int(t[3:]); return r.randint(-(1 << (b - 1)), (1 << (b - 1)) - 1)
    if t == "bool": return r.random() < .5
    if t == "hexint32": return "0x%X" % r.getrandbits(32)
    if t == "hexint64": return "0x%X" % r.getrandbits(64)
    if t == "guid": return rguid(r)
    if t == "sid": return "S-1-%d" % r.randint(0, 15) + "".join("-%d" % r.getrandbits(32) for _ in range(r.randint(0, 5)))
    if t == "filetime": return rtime(r)
    if t == "systemtime": return rtime(r, ms=True)
    if t == "binary": return os.urandom(0).hex() + "".join("%02x" % r.getrandbits(8) for _ in range(r.randint(0, maxlen)))

def gen_set(seed):
    r = random.Random(seed)
    layouts = []
    for i in range(r.randint(3, 30)):
        user = r.random() < .2
        unnamed = not user and r.random() < .25
        n = r.randint(0, 12)
        layouts.append(dict(provider="Provider-%d" % r.randint(0, 3), id=r.randint(0, 65535),
                            version=r.randint(0, 3), user=user,
                            fields=[("" if unnamed else "F%d_%d" % (j, r.randint(0, 99)), r.choice(TYPES)) for j in range(n)]))
    maxlen = r.choice([4, 40, 400])
    lines, rid = [], 0
    for i in range(r.randint(200, 900)):
        l = r.choice(layouts)
        ev = dict(provider=l["provider"], channel="Channel/" + l["provider"], computer=r.choice(["FS01.corp.example", "fs02", "NAS-Ω"]),
                  event_id=l["id"], version=l["version"], level=r.randint(0, 5), task=r.getrandbits(16),
                  opcode=r.getrandbits(8), keywords="0x%016X" % r.getrandbits(64), time_created=rtime(r),
                  process_id=r.getrandbits(32), thread_id=r.getrandbits(32))
        if r.random() < .7:
            rid += 1 + r.randint(0, 2); ev["record_id"] = rid
        else:
            rid += 1
        if r.random() < .5: ev["provider_guid"] = rguid(r)
        if r.random() < .5: ev["user_sid"] = rvalue(r, "sid", 0)
        if r.random() < .3: ev["activity_id"] = rguid(r)
        if r.random() < .2: ev["related_activity_id"] = rguid(r)
        if r.random() < .25: ev["qualifiers"] = r.getrandbits(16)
        if r.random() < .15: ev["event_source_name"] = "Source " + l["provider"]
        data = [dict(name=n, type=t, value=rvalue(r, t, maxlen)) for n, t in l["fields"]]
        if l["user"]:
            ev["user_data"] = dict(name="Payload", ns="urn:test:" + l["provider"], data=data)
        else:
            ev["data"] = data
        lines.append(json.dumps(ev, ensure_ascii=False))
    path = os.path.join(work, "random-%d.jsonl" % seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path

# -------------------------------------------------------- normalisation
def ft_from_iso(s):
    # RFC 3339 with up to 7 fractional digits -> 100 ns ticks since 1601
    s = s.rstrip("Z").replace(" ", "T")
    main, _, frac = s.partition(".")
    t = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S")
    return int((t - EPOCH).total_seconds()) * 10**7 + int((frac + "0000000")[:7])

def guid(s):
    return s.strip("{}").upper() if s else ""

def norm(t, v, who):
    """Canonical text of a value of JSONL type t as decoder `who` renders it."""
    if v is None: v = ""
    if t in ("string", "ansistring", "sid"): return v
    if t == "bool": return str(v).lower()
    if t in ("hexint32", "hexint64") or t.startswith("uint") or t.startswith("int"):
        return int(str(v), 0)
    if t == "guid": return guid(v)
    if t == "filetime":
        # python-evtx renders microseconds through a float: allow 3 us
        return ("ft", ft_from_iso(v))
    if t == "systemtime":
        if who == "python-evtx":  # renders the milliseconds as microseconds
            main, _, frac = v.partition(".")
            v = main + "." + ("%03d" % int(frac or 0))
        return ft_from_iso(v) // 10**4
    if t == "binary":
        if who == "python-evtx": return base64.b64decode(v).hex()
        return v.lower()
    return v

def signed_quirk(t, v):
    # libfwevt prints a negative integer as "-" followed by its magnitude
    # bits without the sign bit (-5 as int32 -> -2147483643): model it so
    # evtxexport is checked, not excused.
    b = int(t[3:]); u = v & ((1 << b) - 1)
    return -(u & ((1 << (b - 1)) - 1))

def expected(path):
    out, prev = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip(): continue
            e = json.loads(line)
            rid = e.get("record_id") or prev + 1
            prev = rid
            payload = e.get("user_data", {}).get("data") if "user_data" in e else e.get("data", [])
            out.append(dict(
                record_id=rid, provider=e["provider"], provider_guid=guid(e.get("provider_guid", "")),
                event_source_name=e.get("event_source_name", ""), event_id=e["event_id"],
                qualifiers=e.get("qualifiers"), version=e.get("version", 0), level=e.get("level", 0),
                task=e.get("task", 0), opcode=e.get("opcode", 0), keywords=int(str(e.get("keywords", 0)), 0),
                time=ft_from_iso(e["time_created"]), activity_id=guid(e.get("activity_id", "")),
                related_activity_id=guid(e.get("related_activity_id", "")),
                process_id=e.get("process_id", 0), thread_id=e.get("thread_id", 0),
                channel=e.get("channel", ""), computer=e.get("computer", ""), user_sid=e.get("user_sid", ""),
                data=[(d["name"], d["type"], d["value"]) for d in (payload or [])]))
    return out

def from_xml(root, who):
    """System fields and payload (name, text) pairs of one <Event>."""
    def f(path, attr=None):
        el = root.find(path)
        if el is None: return ""
        return (el.get(attr) or "") if attr else (el.text or "")
    sys_ = root.find(NS + "System")
    q = f(f"{NS}System/{NS}EventID", "Qualifiers")
    rec = dict(
        record_id=int(f(f"{NS}System/{NS}EventRecordID")), provider=f(f"{NS}System/{NS}Provider", "Name"),
        provider_guid=guid(f(f"{NS}System/{NS}Provider", "Guid")),
        event_source_name=f(f"{NS}System/{NS}Provider", "EventSourceName"),
        event_id=int(f(f"{NS}System/{NS}EventID")), qualifiers=int(q) if q else None,
        version=int(f(f"{NS}System/{NS}Version") or 0), level=int(f(f"{NS}System/{NS}Level") or 0),
        task=int(f(f"{NS}System/{NS}Task") or 0), opcode=int(f(f"{NS}System/{NS}Opcode") or 0),
        keywords=int(f(f"{NS}System/{NS}Keywords") or "0", 0),
        time=ft_from_iso(f(f"{NS}System/{NS}TimeCreated", "SystemTime")),
        activity_id=guid(f(f"{NS}System/{NS}Correlation", "ActivityID")),
        related_activity_id=guid(f(f"{NS}System/{NS}Correlation", "RelatedActivityID")),
        process_id=int(f(f"{NS}System/{NS}Execution", "ProcessID") or 0),
        thread_id=int(f(f"{NS}System/{NS}Execution", "ThreadID") or 0),
        channel=f(f"{NS}System/{NS}Channel"), computer=f(f"{NS}System/{NS}Computer"),
        user_sid=f(f"{NS}System/{NS}Security", "UserID"))
    data = []
    ed = root.find(NS + "EventData")
    if ed is not None:
        for d in ed:
            data.append((d.get("Name") or "", d.text or ""))
    ud = root.find(NS + "UserData")
    if ud is not None and len(ud):
        for d in ud[0]:
            data.append((d.tag.split("}")[-1], d.text or ""))
    rec["data"] = data
    return rec

def decode_evtxexport(path):
    out = subprocess.run(["evtxexport", "-f", "xml", path], capture_output=True, text=True, errors="replace")
    if out.returncode != 0 or "Unable" in out.stderr or "Unable" in out.stdout:
        raise RuntimeError("evtxexport: could not export every record: " + (out.stderr + out.stdout)[-300:])
    body = out.stdout.split("\n", 2)[2] if out.stdout.startswith("evtxexport") else out.stdout
    root = ET.fromstring("<Events>" + body + "</Events>")
    return [from_xml(ev, "evtxexport") for ev in root]

def decode_python(path):
    recs = []
    with pyevtx.Evtx(path) as log:
        fh = log.get_file_header()
        # verify() also insists on format 3.1; for 3.2 files check the
        # magic and checksum it would check, one by one.
        ok = fh.verify() if fh.minor_version() == 1 else (
            fh.check_magic() and fh.major_version() == 3 and fh.checksum() == fh.calculate_checksum())
        if not ok:
            raise RuntimeError("python-evtx: file header verify() failed")
        for i, ch in enumerate(fh.chunks()):
            if not ch.verify():
                raise RuntimeError("python-evtx: chunk %d verify() failed (header or data checksum)" % i)
            for r in ch.records():
                recs.append(from_xml(ET.fromstring(r.xml()), "python-evtx"))
    return recs

def decode_evtxdump(path):
    out = subprocess.run([dump, path], capture_output=True, text=True)
    if out.returncode != 0 or out.stderr.strip():
        raise RuntimeError("evtxdump: " + out.stderr.strip()[:300])
    recs = []
    for line in out.stdout.splitlines():
        e = json.loads(line)
        recs.append(dict(
            record_id=e["record_id"], provider=e.get("provider", ""), provider_guid=guid(e.get("provider_guid", "")),
            event_source_name=e.get("event_source_name", ""), event_id=e["event_id"], qualifiers=e.get("qualifiers"),
            version=e.get("version", 0), level=e.get("level", 0), task=e.get("task", 0), opcode=e.get("opcode", 0),
            keywords=int(e.get("keywords", "0x0"), 0), time=ft_from_iso(e["time_created"]),
            activity_id=guid(e.get("activity_id", "")), related_activity_id=guid(e.get("related_activity_id", "")),
            process_id=e.get("process_id", 0), thread_id=e.get("thread_id", 0), channel=e.get("channel", ""),
            computer=e.get("computer", ""), user_sid=e.get("user_sid", ""),
            data=[("" if k.startswith("Data#") else k.split("#")[0], v) for k, v in (e.get("data") or {}).items()]))
    return recs

# python-evtx renders FILETIMEs in microseconds through a float: allow 3 us.
PY_TICKS = 30

SYSTEM = ["record_id", "provider", "provider_guid", "event_source_name", "event_id", "qualifiers", "version",
          "level", "task", "opcode", "keywords", "time", "activity_id", "related_activity_id", "process_id",
          "thread_id", "channel", "computer", "user_sid"]

def compare(want, got, who):
    """Disagreements between the JSONL input and one decoder's records."""
    bad = []
    if len(want) != len(got):
        bad.append("%d records, want %d" % (len(got), len(want)))
    for w, g in zip(want, got):
        rid = w["record_id"]
        for k in SYSTEM:
            wv, gv = w[k], g[k]
            if k == "time" and who == "python-evtx" and abs(wv - gv) <= PY_TICKS:
                continue
            if wv != gv:
                bad.append("record %d %s: %r, want %r" % (rid, k, gv, wv))
        if len(w["data"]) != len(g["data"]):
            bad.append("record %d: %d data items, want %d" % (rid, len(g["data"]), len(w["data"])))
            continue
        for (wn, t, wv), (gn, gv) in zip(w["data"], g["data"]):
            if wn != gn:
                bad.append("record %d: data name %r, want %r" % (rid, gn, wn))
            want_v = norm(t, wv, "input")
            if who == "evtxexport" and t.startswith("int") and want_v < 0:
                want_v = signed_quirk(t, want_v)
            try:
                got_v = norm(t, gv, who)
            except Exception as ex:
                got_v = "unparsable %r (%s)" % (gv, ex)
            if who == "python-evtx" and t == "filetime" and isinstance(got_v, tuple) and abs(want_v[1] - got_v[1]) <= PY_TICKS:
                continue
            if want_v != got_v:
                bad.append("record %d data %r (%s): %r, want %r" % (rid, wn, t, got_v, want_v))
    return bad

inputs = [gen_set(s) for s in range(1, sets + 1)]
inputs += sorted(glob.glob("testdata/**/*.jsonl", recursive=True))
decoders = [("evtxexport", decode_evtxexport), ("python-evtx", decode_python)]
if dump:
    decoders.insert(0, ("evtxdump", decode_evtxdump))
else:
    print("SKIP evtxdump column (not available)")

failed = 0
totals = {name: [0, 0] for name, _ in decoders}
for i, src in enumerate(inputs):
    out = os.path.join(work, "log-%d.evtx" % i)
    args = [os.path.join(work, "evtxgen"), "-o", out]
    if i % 2 == 1:
        args += ["-minor", "2"]
    args.append(src)
    subprocess.run(args, check=True)
    want = expected(src)
    nchunks = (os.path.getsize(out) - 4096) // 65536
    cols = []
    for name, fn in decoders:
        try:
            got = fn(out)
            bad = compare(want, got, name)
        except Exception as ex:
            bad = ["decode failed: %s" % ex]
        if any(not b.startswith("record ") for b in bad):
            agree = 0  # count or decoding failed: nothing is proven
        else:
            agree = len(want) - len(set(b.split(" ")[1].rstrip(":") for b in bad))
        totals[name][0] += agree
        totals[name][1] += len(want)
        if bad:
            failed += 1
            print("DISAGREE %s on %s:" % (name, src))
            for b in bad[:10]:
                print("    " + b)
        cols.append("%s %s" % (name, "ok" if not bad else "FAIL(%d)" % len(bad)))
    fields = sum(len(w["data"]) for w in want)
    print("%-48s %5d records %6d values %3d chunks  %s" % (src if "/" in src[:9] else os.path.basename(src), len(want), fields, nchunks, "  ".join(cols)))

print()
for name, (ok, n) in totals.items():
    print("%-12s %d/%d records agree with the input" % (name, ok, n))
if failed:
    print("crosscheck-writer: %d disagreement(s)" % failed)
    sys.exit(1)
print("crosscheck-writer: all decoders agree")
PYEOF
