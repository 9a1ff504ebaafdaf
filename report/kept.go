package report

import (
	"encoding/binary"
	"hash/maphash"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// recordTable holds the records kept, one per record (same), in the order
// they came. Most reports keep every finding, so a kept record is stored
// small and without pointers (keptRecord): its strings are numbers in a
// table of the distinct strings (strTable), so that the collector never
// scans the records and storing one needs no write barrier. The Record is
// made again (load) only when the report is, straight into
// Report.Findings. Records arrive mostly in time order, which makes them
// quick to sort.
//
// Records are found by open addressing over a seeded hash of their
// numbers (record ID, event ID, time, the server's coverage.id) and of
// their lower-cased channel: names are compared only when those match,
// and records that differ only by server or channel, which a crafted log
// can hold by the thousand, do not share a hash. The zero value is empty;
// a nil *recordTable holds nothing.
type recordTable struct {
	seed   maphash.Seed
	slots  []recSlot // a power of two long, or nil
	chunks [][]keptRecord
	n      int
	strs   strTable
	// whole holds the records whose time a keptRecord cannot give back
	// exactly (not in UTC, or with a monotonic reading: only a Report
	// made by hand has them), as they came.
	whole []Record
	// lowHash caches the hash of each lower-cased channel, by string
	// number; 0: not yet made.
	lowHash []uint64
	// servers caches agg's coverage of each server name, by string
	// number (agg.coverageOf); nil: not yet looked up.
	servers []*coverage
}

type recSlot struct {
	hash uint64
	i    int // 1 + the index of the record; 0: empty
}

// keptChunk is the number of records to a chunk of recordTable: a chunk
// is never moved once made.
const keptChunk = 256

// The strings of a Record, as keptRecord numbers them.
const (
	ksServer = iota
	ksFile
	ksKind
	ksChannel
	ksClientID
	ksClientRaw
	ksClientKind
	ksShortName
	ksUser
	ksSPN
	ksSPNQueryStatus
	ksEPAPolicy
	ksServerRequiresSigning
	ksServiceClassIsValid
	ksPrincipalNameIsValid
	ksServerRequiresEncryption
	ksStatus
	ksReason
	keptStrings
)

// keptRecord is a Record as recordTable holds it: its numbers, and its
// strings as numbers in recordTable.strs. It holds no pointer.
type keptRecord struct {
	sec           int64 // Time: seconds since 1970 and nanoseconds, in UTC
	recordID      uint64
	eventRecordID uint64
	chunk         int64
	offset        int64
	nsec          int32
	eventID       uint16
	flags         uint8
	whole         uint32 // 1 + the index in recordTable.whole of the record as it came; 0: none
	strs          [keptStrings]uint32
}

const (
	kfHasSPN = 1 << iota
	kfChunkDamaged
	kfRecovered
)

// id is the record ID that tells copies apart: the EventRecordID, or
// the record ID when it has none.
func (k *keptRecord) id() uint64 {
	if k.eventRecordID != 0 {
		return k.eventRecordID
	}
	return k.recordID
}

// strTable numbers distinct strings: 0 is "". A string is looked up
// first in a small cache indexed by a hash of its length and its first and
// last 8 bytes, which most strings of a report hit (a few servers,
// channels, files, kinds, and the clients, users and SPNs that recur),
// and only then in a map, which hashes the whole string. The zero value is
// empty.
type strTable struct {
	ids   map[string]uint32
	strs  []string // by number
	cache []strEntry
	bits  uint // log2(len(cache))
}

type strEntry struct {
	s  string
	id uint32
}

// The cache has 1<<bits entries, from 1<<minCacheBits, and grows with the
// strings to four times their number, up to 1<<maxCacheBits: a direct-mapped
// cache holds most of its strings only when it is mostly empty.
const (
	minCacheBits = 8
	maxCacheBits = 16
)

// id returns the number of s, made when s is new.
func (t *strTable) id(s string) uint32 {
	if s == "" { // most fields of most findings: inlined
		return 0
	}
	return t.lookup(s)
}

func (t *strTable) lookup(s string) uint32 {
	if t.cache == nil {
		t.ids, t.strs, t.cache, t.bits = map[string]uint32{}, []string{""}, make([]strEntry, 1<<minCacheBits), minCacheBits
	}
	e := &t.cache[quickHash(s)>>(64-t.bits)]
	if e.s == s {
		return e.id
	}
	id, ok := t.ids[s]
	if !ok {
		id = uint32(len(t.strs))
		t.strs = append(t.strs, s)
		t.ids[s] = id
		if 4*len(t.strs) > len(t.cache) && t.bits < maxCacheBits {
			t.bits += 2
			t.cache = make([]strEntry, 1<<t.bits) // filled again as strings come
			e = &t.cache[quickHash(s)>>(64-t.bits)]
		}
	}
	e.s, e.id = s, id
	return id
}

// quickHash hashes the length of s and at most its first, middle and
// last 8 bytes: not the whole string, and not seeded, so only for a cache,
// which two strings of one hash merely share. The middle counts: names
// such as ws0001.corp.example.com differ only there.
func quickHash(s string) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(len(s)) * m
	if len(s) >= 8 {
		h = (h ^ le64(s)) * m
		if len(s) > 16 {
			h = (h ^ le64(s[len(s)/2-4:])) * m
		}
		h = (h ^ le64(s[len(s)-8:])) * m
	} else {
		for i := range len(s) {
			h = (h ^ uint64(s[i])) * m
		}
	}
	return h ^ h>>29
}

// le64 returns the first 8 bytes of s, little-endian.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// store writes r into k, with its strings numbered.
func (t *recordTable) store(k *keptRecord, r *Record) {
	st := &t.strs
	sec, nsec := r.Time.Unix(), r.Time.Nanosecond()
	var flags uint8
	if r.HasSPN {
		flags |= kfHasSPN
	}
	if r.ChunkDamaged {
		flags |= kfChunkDamaged
	}
	if r.Recovered {
		flags |= kfRecovered
	}
	*k = keptRecord{
		sec: sec, nsec: int32(nsec), recordID: r.RecordID, eventRecordID: r.EventRecordID,
		chunk: int64(r.Source.Chunk), offset: r.Source.Offset, eventID: r.EventID, flags: flags,
		strs: [keptStrings]uint32{
			ksServer:                   st.id(r.Server),
			ksFile:                     st.id(r.Source.File),
			ksKind:                     st.id(r.Kind),
			ksChannel:                  st.id(r.Channel),
			ksClientID:                 st.id(r.ClientID),
			ksClientRaw:                st.id(r.ClientRaw),
			ksClientKind:               st.id(r.ClientKind),
			ksShortName:                st.id(r.ShortName),
			ksUser:                     st.id(r.User),
			ksSPN:                      st.id(r.SPN),
			ksSPNQueryStatus:           st.id(r.SPNQueryStatus),
			ksEPAPolicy:                st.id(r.EPAPolicy),
			ksServerRequiresSigning:    st.id(r.ServerRequiresSigning),
			ksServiceClassIsValid:      st.id(r.ServiceClassIsValid),
			ksPrincipalNameIsValid:     st.id(r.PrincipalNameIsValid),
			ksServerRequiresEncryption: st.id(r.ServerRequiresEncryption),
			ksStatus:                   st.id(r.Status),
			ksReason:                   st.id(r.Reason),
		},
	}
	if r.Time != time.Unix(sec, int64(nsec)).UTC() {
		t.whole = append(t.whole, *r)
		k.whole = uint32(len(t.whole))
	}
}

// storeFinding writes the record of f (recordOf with fm) into k.
func (t *recordTable) storeFinding(k *keptRecord, f *smbaudit.Finding, fm *formats) {
	st := &t.strs
	var flags uint8
	if f.HasSPN || f.SPN != "" {
		flags |= kfHasSPN
	}
	if f.ChunkDamaged {
		flags |= kfChunkDamaged
	}
	if f.Recovered {
		flags |= kfRecovered
	}
	*k = keptRecord{
		sec: f.Time.Unix(), nsec: int32(f.Time.Nanosecond()), recordID: f.RecordID, eventRecordID: f.EventRecordID,
		chunk: int64(f.Source.Chunk), offset: f.Source.Offset, eventID: f.EventID, flags: flags,
		strs: [keptStrings]uint32{
			ksServer:                   st.id(orUnknown(f.Server)),
			ksFile:                     st.id(f.Source.File),
			ksKind:                     st.id(string(f.Kind)),
			ksChannel:                  st.id(f.Channel),
			ksClientID:                 st.id(f.Client.ID),
			ksClientRaw:                st.id(f.Client.Raw),
			ksClientKind:               st.id(string(f.Client.Kind)),
			ksShortName:                st.id(f.Client.ShortName),
			ksUser:                     st.id(f.User),
			ksSPN:                      st.id(f.SPN),
			ksSPNQueryStatus:           st.id(fm.optStatus(f.SPNQueryStatus)),
			ksEPAPolicy:                st.id(fm.optEPAPolicy(f.EPAPolicy)),
			ksServerRequiresSigning:    st.id(optBool(f.ServerRequiresSigning)),
			ksServiceClassIsValid:      st.id(optBool(f.ServiceClassIsValid)),
			ksPrincipalNameIsValid:     st.id(optBool(f.PrincipalNameIsValid)),
			ksServerRequiresEncryption: st.id(optBool(f.ServerRequiresEncryption)),
			ksStatus:                   st.id(fm.optStatus(f.Status)),
			ksReason:                   st.id(f.Reason),
		},
	}
}

// load writes the record k into dst.
func (t *recordTable) load(k *keptRecord, dst *Record) {
	*dst = Record{}
	t.loadZeroed(k, dst)
}

// loadZeroed writes the record k into dst, a zero Record. It writes only
// the fields that are not zero, one by one: Report.Findings is made just
// before, which often starts a collection, and while one runs every
// pointer written costs a write barrier; copying a whole Record costs one
// for each of its 22 pointer words, most of them those of empty strings.
func (t *recordTable) loadZeroed(k *keptRecord, dst *Record) {
	if k.whole != 0 {
		*dst = t.whole[k.whole-1]
		return
	}
	s := t.strs.strs
	dst.Time = time.Unix(k.sec, int64(k.nsec)).UTC()
	dst.EventID, dst.RecordID, dst.EventRecordID = k.eventID, k.recordID, k.eventRecordID
	dst.Source.Chunk, dst.Source.Offset = int(k.chunk), k.offset
	dst.HasSPN, dst.ChunkDamaged, dst.Recovered = k.flags&kfHasSPN != 0, k.flags&kfChunkDamaged != 0, k.flags&kfRecovered != 0
	ks := &k.strs
	if id := ks[ksServer]; id != 0 {
		dst.Server = s[id]
	}
	if id := ks[ksFile]; id != 0 {
		dst.Source.File = s[id]
	}
	if id := ks[ksKind]; id != 0 {
		dst.Kind = s[id]
	}
	if id := ks[ksChannel]; id != 0 {
		dst.Channel = s[id]
	}
	if id := ks[ksClientID]; id != 0 {
		dst.ClientID = s[id]
	}
	if id := ks[ksClientRaw]; id != 0 {
		dst.ClientRaw = s[id]
	}
	if id := ks[ksClientKind]; id != 0 {
		dst.ClientKind = s[id]
	}
	if id := ks[ksShortName]; id != 0 {
		dst.ShortName = s[id]
	}
	if id := ks[ksUser]; id != 0 {
		dst.User = s[id]
	}
	if id := ks[ksSPN]; id != 0 {
		dst.SPN = s[id]
	}
	// The rest are rare: one test for all of them.
	for f := ksSPNQueryStatus; f < keptStrings; f++ {
		if id := ks[f]; id != 0 {
			*recordString(dst, f) = s[id]
		}
	}
}

// recordString returns the string of field f (ksServer ...) of r.
func recordString(r *Record, f int) *string {
	switch f {
	case ksServer:
		return &r.Server
	case ksFile:
		return &r.Source.File
	case ksKind:
		return &r.Kind
	case ksChannel:
		return &r.Channel
	case ksClientID:
		return &r.ClientID
	case ksClientRaw:
		return &r.ClientRaw
	case ksClientKind:
		return &r.ClientKind
	case ksShortName:
		return &r.ShortName
	case ksUser:
		return &r.User
	case ksSPN:
		return &r.SPN
	case ksSPNQueryStatus:
		return &r.SPNQueryStatus
	case ksEPAPolicy:
		return &r.EPAPolicy
	case ksServerRequiresSigning:
		return &r.ServerRequiresSigning
	case ksServiceClassIsValid:
		return &r.ServiceClassIsValid
	case ksPrincipalNameIsValid:
		return &r.PrincipalNameIsValid
	case ksServerRequiresEncryption:
		return &r.ServerRequiresEncryption
	case ksStatus:
		return &r.Status
	default:
		return &r.Reason
	}
}

// same says whether x and y are copies of one record, as smbaudit.Scan
// tells them: same server (case ignored), channel (smbaudit.RecordChannel),
// record ID, event ID and time. lower lower-cases the names.
func (t *recordTable) same(x, y *keptRecord, lower *lowerCache) bool {
	return x.id() == y.id() && x.eventID == y.eventID && x.sec == y.sec && x.nsec == y.nsec &&
		t.sameName(x.strs[ksServer], y.strs[ksServer], lower) &&
		(x.strs[ksChannel] == y.strs[ksChannel] || t.channel(x, lower) == t.channel(y, lower))
}

func (t *recordTable) sameName(x, y uint32, lower *lowerCache) bool {
	return x == y || lower.of(t.strs.strs[x]) == lower.of(t.strs.strs[y])
}

// channel returns smbaudit.RecordChannel of k.
func (t *recordTable) channel(k *keptRecord, lower *lowerCache) string {
	c := t.strs.strs[k.strs[ksChannel]]
	if smbaudit.RewrittenChannel(c) {
		return smbaudit.RecordChannel(k.eventID, c)
	}
	return lower.of(c)
}

// rewrittenHash marks in lowHash a channel a collector rewrote, whose
// record channel depends on the event ID (smbaudit.RecordChannel).
const rewrittenHash = 1

// channelHash returns the hash of the record channel of k
// (smbaudit.RecordChannel), that of its lower-cased channel cached by
// string number.
func (t *recordTable) channelHash(k *keptRecord, lower *lowerCache) uint64 {
	id := k.strs[ksChannel]
	for int(id) >= len(t.lowHash) {
		t.lowHash = append(t.lowHash, 0)
	}
	h := t.lowHash[id]
	if h == 0 {
		if c := t.strs.strs[id]; smbaudit.RewrittenChannel(c) {
			h = rewrittenHash
		} else if h = maphash.String(t.seed, lower.of(c)); h == rewrittenHash {
			h++ // any other value than the mark: only the hash changes
		}
		t.lowHash[id] = h
	}
	if h == rewrittenHash {
		return maphash.String(t.seed, smbaudit.RecordChannel(k.eventID, ""))
	}
	return h
}

// add keeps a copy of r, whose server's coverage.id is server, or of the
// copy of its record kept so far (same) the better (see better).
func (t *recordTable) add(r *Record, server uint32, lower *lowerCache) {
	k := t.next()
	t.store(k, r)
	t.insert(k, server, lower, r, nil, nil)
}

// next returns the place of the next record.
func (t *recordTable) next() *keptRecord {
	if t.slots == nil {
		t.seed, t.slots = maphash.MakeSeed(), make([]recSlot, 64)
	}
	if t.n%keptChunk == 0 && t.n/keptChunk == len(t.chunks) {
		t.chunks = append(t.chunks, make([]keptRecord, keptChunk))
	}
	return t.at(t.n)
}

// insert keeps k, stored in the place next returned, unless it is a copy
// of a record kept: then the better of the two stays where that one is.
// k is the record r, or when r is nil that of f (recordOf with fm).
func (t *recordTable) insert(k *keptRecord, server uint32, lower *lowerCache, r *Record, f *smbaudit.Finding, fm *formats) {
	var b [26]byte
	binary.LittleEndian.PutUint64(b[:], k.id())
	binary.LittleEndian.PutUint64(b[8:], uint64(k.sec))
	binary.LittleEndian.PutUint32(b[16:], uint32(k.nsec))
	binary.LittleEndian.PutUint16(b[20:], k.eventID)
	binary.LittleEndian.PutUint32(b[22:], server)
	h := maphash.Bytes(t.seed, b[:]) ^ t.channelHash(k, lower)
	mask := uint64(len(t.slots) - 1)
	for j := h & mask; ; j = (j + 1) & mask {
		s := &t.slots[j]
		if s.i == 0 {
			*s = recSlot{h, t.n + 1}
			break
		}
		if s.hash != h {
			continue
		}
		if cur := t.at(s.i - 1); t.same(cur, k, lower) {
			if r == nil {
				rf := recordOf(f, fm)
				r = &rf
			}
			var c Record
			t.load(cur, &c)
			switch {
			case better(r, &c):
				*cur = *k // a whole record cur had stays in t.whole, unused
			case k.whole != 0:
				t.whole = t.whole[:len(t.whole)-1] // r's, not kept
			}
			return
		}
	}
	if t.n++; 4*t.n > 3*len(t.slots) {
		t.grow()
	}
}

func (t *recordTable) grow() {
	old := t.slots
	t.slots = make([]recSlot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.i == 0 {
			continue
		}
		j := s.hash & mask
		for t.slots[j].i != 0 {
			j = (j + 1) & mask
		}
		t.slots[j] = s
	}
}

// len returns the number of records kept.
func (t *recordTable) len() int {
	if t == nil {
		return 0
	}
	return t.n
}

func (t *recordTable) at(i int) *keptRecord {
	return &t.chunks[i/keptChunk][i%keptChunk]
}

// record returns the record of index i, in the order they came.
func (t *recordTable) record(i int) Record {
	var r Record
	t.load(t.at(i), &r)
	return r
}

// each calls f with every record, in the order they came; the *Record is
// f's only for the call.
func (t *recordTable) each(f func(*Record)) {
	var r Record
	for i := range t.len() {
		t.load(t.at(i), &r)
		f(&r)
	}
}
