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
// documented order, never taking a string-length field for a value. Finding.Mapping and
// Finding.MappedFrom record which data field fed which finding field and how;
// Finding.Unmapped keeps every field left over, so the first real logs can
// confirm or correct the layout. An event without a usable client becomes a
// KindUnparsed finding with its Reason; nothing is dropped silently.
//
// NormalizeClient turns the logged client name into a comparable identity
// (IPv4, IPv6 with its zone, IPv4-mapped IPv6 as IPv4, lower-cased host and
// FQDN linked through ShortName) and always keeps the raw value.
//
// # Scanning
//
// Scan reads files and directories with a bounded worker pool. It asks evtx
// for DecodedEvents only (the SMB server provider, and 5168 of
// Security-Auditing), so chunks of a WEF ForwardedEvents log that hold none
// of them are never decoded (FileResult.ChunksSkipped). A file that cannot
// be read is reported and skipped, with its error (FileResult.Err) and its
// Cause; damaged chunks and records are reported on their file, as
// *evtx.Error values naming their place, while the rest of it is still read.
// The same record seen in overlapping exports counts once, the copy that
// counts being the first by CompareCopies (smallest path, then place), and
// the result depends neither on the order of the paths nor on scheduling.
//
// # Memory
//
// The findings of one file share their repeated values (strings, the
// Mapping and MappedFrom maps of events mapped alike, Unmapped slices,
// and the values the pointer fields point to), through bounded
// tables that live while the file is read: treat a scan's findings as
// read-only, and copy a map or slice before changing it. A kept finding then
// costs about 350 bytes (most of it the Finding struct itself), so
// Result.Findings still grows with the number of findings. With
// ScanOptions.OnFinding the findings are streamed instead of kept; the
// coverage and deduplication then keep runs of consecutive record IDs (see
// Scan, Copies): a few per file for the logs Windows writes and for
// forwarded logs holding every event of a channel, one per gap for a
// filtered subscription or export, so that memory does not grow with the
// number of records of such logs.
package smbaudit
