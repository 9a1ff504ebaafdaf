// Package smbaudit classifies the SMB server hardening audit events that
// Windows logs since the September 2025 updates (KB5066913, CVE-2025-55234)
// into typed findings: which client lacks SMB signing (3021, and the
// unreliable SMB1 3027) or encryption (3022), which logs on as guest and so
// cannot sign (3023, Operational channel), which sent no, an unrecognised or
// an empty SPN (3024, 3025, 3026), which used SMB1 (3000), and which
// enforcement already rejects (551, and the Security log's 5168, whose
// finding names the account but no client).
//
// # Classification
//
// Classify takes one evtx.Event and decides on provider, event ID and
// channel only: Task and Keywords change between Windows builds, and every
// event version is accepted. Each finding field is looked up by name first:
// the Data names of the Windows 11 26H1 manifest, then aliases other builds
// may use (compared without case or separators); then by value type and
// documented order, never taking a string-length field for a value.
// Finding.Mapping records which data field fed which finding field and how,
// and keeps every field left over, so the first real logs can confirm or
// correct the layout. An event without a usable client becomes a
// KindUnparsed finding with its Reason; nothing is dropped silently.
//
// NormalizeClient turns the logged client name into a comparable identity
// (IPv4, IPv6 with its zone, IPv4-mapped IPv6 as IPv4, lower-cased host and
// FQDN linked through ShortName) and always keeps the raw value.
//
// # Scanning
//
// Scan reads files and directories with a bounded worker pool. It asks evtx
// for the events Classify recognises only (every event of the SMB server
// provider, and 5168 of Security-Auditing, whose events fill a WEF
// collector's log: a chunk that names that provider but not
// "ConfiguredNames", a Data name of 5168's template, is skipped), so chunks of a WEF ForwardedEvents log that hold none
// of them are never decoded (FileResult.ChunksSkipped). A file that cannot
// be read is reported and skipped, with its error (FileResult.Err) and its
// Cause; damaged chunks and records are reported on their file, as
// *evtx.Error values naming their place, while the rest of it is still read.
// The same record seen in overlapping exports counts once (see Copies), and
// the result depends neither on the order of the paths nor on scheduling.
//
// # Windows
//
// ServerCoverage gives each server two windows. First and Last bound the
// times of all its decoded records, whatever their channel; AuditFirst and
// AuditLast bound those of its records in AuditChannel alone, where the
// audit events (3000, 3021, 3022, 3024-3027) are logged. Only the second
// tells over which time the audits could have seen a client: a server
// exported with 30 days of its Operational channel but 2 days of its Audit
// channel was audited for 2 days. Records of damaged chunks count in
// neither (their times may be garbage).
//
// # Copies
//
// The same record seen in several files (overlapping exports of one log, a
// WEF ForwardedEvents log and the source's own log) counts once. A record
// is named by its computer and channel (compared without regard to case; a
// channel a collector rewrote to ForwardedEvents or left empty stands for
// the one the event is logged in, see RecordChannel) and its identity:
// System/EventRecordID, which a forwarded copy keeps, or the header's
// record ID when the event has none. The copy that counts is
// the first by CompareCopies: the smallest path, then chunk and offset.
// Scan reads the files in path order, so the choice does not depend on the
// order of paths, the number of workers or streaming. Result.Findings keeps
// one finding per computer, channel, identity, event ID and time.
//
// The coverage (ServerCoverage.Events, and with ScanOptions.OnFinding the
// streamed findings and AuditEvents) keeps, per computer and channel, runs
// of identities read whole, each with the range of their times. A record is
// a copy when a run holds its identity and its time lies in that run's
// range. A run grows only by the record of the same computer and channel
// read next in one file whose identity is the previous one plus 1, so a gap
// (a filtered export or subscription) starts a new run, and memory is one
// run per unbroken stretch: a few per file for the logs Windows writes and
// for complete forwarded channels, one per gap for a filtered one, at most
// one per record for hostile input. A record from a damaged chunk never
// widens or extends a run (its time may be garbage): it is kept exactly, by
// identity and time. The event ID is not compared: copies share it, and
// distinct records share computer, channel and identity only when IDs
// restart after a log was cleared, which the times tell apart. The rule is
// exact provided that a record numbered after a clear has a time outside
// the range of the earlier numbering's records around its identity (the
// clock does not go back across the clear), and that in a forwarded log two
// records read one after the other with identities k and k+1 were not
// separated by a clear of the source's log. Runs of different numberings
// never merge, and a run never spans a clear.
//
// # Memory
//
// The findings of one file share their repeated strings and the Mapping of
// events mapped alike, which hands out only copies, through bounded tables
// that live while the file is read; everything else of a Finding is a value
// of its own, so a caller may change a finding without changing another.
// A kept finding then costs about 400 bytes (most of it the Finding struct
// itself), so Result.Findings still grows with the number of findings. With
// ScanOptions.OnFinding the findings are streamed instead of kept; the
// coverage and deduplication then keep runs of consecutive record IDs (see
// Copies): a few per file for the logs Windows writes and for
// forwarded logs holding every event of a channel, one per gap for a
// filtered subscription or export, so that memory does not grow with the
// number of records of such logs.
package smbaudit
