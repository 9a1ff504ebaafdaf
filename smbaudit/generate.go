package smbaudit

// The fixtures under testdata/smbaudit: the story program writes the JSON
// Lines sources, evtxgen (the project's own writer) turns each into a log.
// Both steps are deterministic, so this recreates the committed files byte
// for byte. audit-fs01-damaged.evtx is audit-fs01 with the magic of record
// 1450 (in its second chunk) broken; audit-fs02-2025-10-20.evtx, copied from
// a live system, has a dirty header.

//go:generate go run ../testdata/smbaudit/story -dir ../testdata/smbaudit
//go:generate go run ../examples/evtxgen -o ../testdata/smbaudit/audit-fs01.evtx ../testdata/smbaudit/audit-fs01.jsonl
//go:generate go run ../examples/evtxgen -bad-magic 1450 -o ../testdata/smbaudit/audit-fs01-damaged.evtx ../testdata/smbaudit/audit-fs01.jsonl
//go:generate go run ../examples/evtxgen -o ../testdata/smbaudit/audit-fs02-2025-10-10.evtx ../testdata/smbaudit/audit-fs02-2025-10-10.jsonl
//go:generate go run ../examples/evtxgen -dirty-header -o ../testdata/smbaudit/audit-fs02-2025-10-20.evtx ../testdata/smbaudit/audit-fs02-2025-10-20.jsonl
//go:generate go run ../examples/evtxgen -o ../testdata/smbaudit/forwarded-events.evtx ../testdata/smbaudit/forwarded-events.jsonl
