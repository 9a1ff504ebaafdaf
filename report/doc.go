// Package report turns the findings of an SMB audit scan (smbaudit.Result)
// into the answer an administrator waits for: one row per client saying which
// enforcement setting would break it, where and since when it was seen, which
// servers were looked at and over which time window, and what was read.
//
// # Building and merging
//
// Generate runs the whole job in one call: it scans files and directories,
// filters the findings and streams them into a Builder, and returns the
// report with the scan's per-file results. The smbaudit command is a thin
// shell around it.
//
// A Builder is the one way to make or combine reports: it takes findings
// (Add), scan results (AddResult) and reports of shards scanned apart
// (AddReport, AddJSON), and Finish returns the report; Options.GeneratedAt
// pins the generation time. A Report keeps its findings (Report.Findings,
// one Record per record: copies of a record in several files count once,
// the first by smbaudit.CompareCopies, as in a scan), the coverage of each
// server and the input files; everything else is derived from them. So
// the order in which reports are added does not matter, and reports built
// from disjoint sets of files combine into exactly the report built from
// all the files, even when two shards hold copies of one record (the tests
// check this as a property on random results). The one exception is
// Server.Records, a sum over shards (see there). The JSON form
// (FormatJSON) is also the partial form: ReadJSON reads a report back, on
// another machine, for merging; derived members are recomputed on
// reading, never trusted.
//
// Keeping every finding costs memory in proportion to the findings. A
// Builder takes findings one at a time (from smbaudit.ScanOptions.OnFinding,
// so that the scan does not keep them either), and Options.MaxFindings
// bounds what it keeps: past the bound, findings are counted straight into
// the rows and dropped, and the report says how many in FindingsOmitted
// (JSON member "findings_omitted"), and its JSON form declares schema
// "smbreadiness.report/v2" (SchemaSummarised), so that a reader of v1 alone
// refuses it rather than take it for a report without findings. Its rows
// are those of the report that keeps every finding; only merging changes:
// such a report merges by adding rows, so a record that two shards both
// hold counts twice. A report that lists an input file (by its SHA-256)
// already listed by one added is refused with ErrOverlap when either
// lists no findings, or when the Builder's bound (Options.MaxFindings)
// has stopped it keeping findings or could with these, for that file's
// records would count twice.
//
// # Verdicts
//
// Each client has one Verdict per setting that would break it:
//
//	Setting                              evidence            hint
//	DisableSMB1                          3000                move the client to SMB 2 or 3
//	EncryptData+RejectUnencryptedAccess  3022                update the client to an SMB 3 version that encrypts
//	RequireSecuritySignature             3021                update the client, or enable signing on it
//	RequireSecuritySignature             3023                guest sessions cannot sign: give it an account
//	RequireSecuritySignature             3027 only: possibly 3027 is unreliable: check, then as above
//	SmbServerNameHardeningLevel=1        3025                fix the SPN or the DNS alias, or SrvAllowedServerNames
//	SmbServerNameHardeningLevel=2        3024, 3025, 3026    move off NTLMv1/LM (3024), fix the SPN (3025, 3026)
//
// A 3027 never makes a verdict certain: a client with 3027 and no 3021 is
// listed under possibly_breaks_under only. A client with a 551
// (SMBServer/Security) is marked rejected_by_enforcement: enforcement
// already rejects it today. The headline of a setting counts the clients it
// certainly breaks and the servers that logged that evidence.
//
// # Evidence before verdicts
//
// No client seen to break is not an all-clear unless the audit that would
// have shown it was on. Each setting rests on one audit family (Audit):
// signing 3021/3027 (AuditClientDoesNotSupportSigning), SPN 3024-3026
// (AuditClientSpnSupport), SMB1 3000 (AuditSmb1Access), encryption 3022.
// Each Headline says which of four states holds (State): breaks, possibly
// (3027 only), none seen (the family was logged by some server, over the
// window of its Audit channel's records) or cannot tell (no server logged it: turn it on);
// and it lists the servers with and without that family, for the report
// says nothing of the clients of the latter. With no audit event at all,
// Summary.Notice says so, and every renderer shows it first; the HTML page
// shows no green card but for "none seen". Report.Caveats list what
// weakens an absence of evidence: a server whose Audit channel's records
// span less than Meta.ShortWindow (default 7 days), a log whose lowest record ID is above
// 1 (it wrapped or was cleared), a skipped or damaged input.
// Report.Gaps turns these into the reasons a readiness gate cannot vouch.
//
// Every renderer states how the report was made (Options.Meta, given by
// the caller so that output stays reproducible: BuildVersion and
// QuoteCommand help fill it): tool version, command line, filter,
// short-window threshold, and per input its size, SHA-256 and the records
// its chunks hold against those decoded. The CSV form puts them on leading
// rows whose first cell starts with "#" (csv.Reader.Comment = '#').
//
// # Clients and names
//
// Rows are keyed by the normalised smbaudit.Client.ID; the raw names are
// listed. A short host name and FQDNs with the same first label
// (Client.ShortName) are linked (member "linked"), not merged: the same short
// name can belong to two hosts in two DNS domains, and only the logs' owner
// can tell. IP addresses are never linked to names: that needs name
// resolution at the time of the events. A finding without a client or server
// name is filed under "(unknown)".
//
// # Servers and coverage
//
// A server's window (first, last) bounds every decoded record of that
// server in the inputs (smbaudit.ServerCoverage) and its findings, but
// those of damaged chunks, whose times may be garbage. Its audit window
// (AuditFirst, AuditLast) bounds, likewise, only those of its Audit
// channel, where the audits are logged: the "none seen" headlines and
// CaveatShortWindow judge that one, for a server's other channels (a WEF
// log, an export of several channels) may span much longer. It is zero
// when unknown; merging joins the windows of the reports, and a summarised
// partial written before the audit window existed makes a server's
// unknown. The servers tables show the window of all records; the JSON
// form adds the audit window, and so does the title of each server's
// lane in the HTML chart. A server
// with no audit event (3000, 3021, 3022, 3024-3027) gets the warning "no audit
// events: auditing may be off": a clean-looking server is not proof. A server
// with some audit events but none of the signing or SPN family gets a warning
// naming the audit switch that may be off.
//
// # Renderers
//
// Render writes every form: FormatText (terminal, 100 columns, optional
// ANSI colors), FormatJSON, FormatCSV (one row per client; a cell a
// spreadsheet would run as a formula, starting with = + - @, their
// full-width forms, a tab, CR or LF, or white space before them, gets a
// leading apostrophe), FormatMarkdown, FormatHTML (one self-contained page:
// no external asset, inline CSS, JS and SVG; summary cards, sortable and
// filterable tables, a chart of events per UTC day per kind and one of the top
// clients) and FormatXLSX (an Excel workbook with the sheets Summary,
// Clients, Evidence, Servers and Inputs: date cells, frozen filterable
// headers, the HTML's verdict colours; past Excel's 1,048,576 rows the
// Evidence sheet says how many findings it leaves out). Timeline streams one row per finding, CSV or JSON Lines, as
// Generate finds them (GenerateOptions.Timeline). Every renderer is
// deterministic: the same inputs in any order give byte-identical output.
// Every form but JSON shows the strings of logs, partials and file
// names through Escape: control, bidi and other invisible characters appear
// as escapes such as \x1b or \u202e, never raw; Markdown escapes & as
// well, so that no character reference (&#x202e;) brings them back, and a
// workbook cell past Excel's 32,767 characters says where it is cut. JSON
// keeps strings as they are, but for the bytes of one that is not UTF-8
// (a Unix file name), written \xNN as Escape writes them, not U+FFFD.
// Times are RFC 3339 UTC with 7 fractional digits (100 ns), e.g.
// 2025-09-10T08:15:42.1234567Z; tables in the text form show them to the
// second, the details below them in full. Render with
// RenderOptions.Location shows the text, Markdown, HTML and XLSX forms in
// that zone instead (2025-09-10T10:15:42.1234567+02:00, the zone named in
// the header); JSON, CSV and the timeline stay in UTC.
//
// # Timeline
//
// The columns of a CSV timeline, and the keys of a JSON Lines one
// (TimelineHeader), in order:
//
//   - time_utc: the event's time, UTC, to 100 ns; in CSV
//     "2006-01-02 15:04:05.0000000" (no zone, which spreadsheets read as a
//     date and time), in JSON Lines RFC 3339 with a Z
//   - computer (the server), channel, event_id, event_record_id
//     (System/EventRecordID), record_id (the file's own record number)
//   - kind (smbaudit.Kind), description (EventLabel)
//   - client (normalised ID), client_raw (as logged), client_kind, user, spn
//   - status: the failure status of a 551 or the ErrorCode of a 5168, else
//     the SPN query status of 3024-3026
//   - epa_policy
//   - breaks_under, possibly_breaks_under: the settings this event is
//     certain, or only possible (3027), evidence against, by the rules of
//     the report's verdicts
//   - chunk_damaged, reason (why an unparsed event was not classified)
//   - recovered: in JSON Lines only, and only when true: the event was
//     found in chunk slack (smbaudit.ScanOptions.Recover)
//   - source_file, chunk, offset
//
// # JSON schema smbreadiness.report/v1
//
// Stable: members are only ever added; a change of meaning takes a new
// schema name. The evidence members (state, audits, caveats, notice) and
// the metadata were added to v1: they change the meaning of no member
// there was, and a document without them (written before) reads as one
// with no metadata and the default short window. Lists are never null; empty lists are []. Times are strings as
// above, "" when unknown. Event IDs are object keys as decimal strings.
// ReadJSON reads generated_at, findings, the coverage members of servers
// (server, first, last, records, audits) and inputs; the rest is derived. It checks
// every value against the limits of docs/limits.md (MaxCount, MaxStringBytes,
// MaxListLen, ...) and refuses a partial past one.
//
//	schema            "smbreadiness.report/v1", or "smbreadiness.report/v2" when
//	                  findings_omitted is not 0
//	generated_at      time
//	version           the tool's version, as given (Meta.Version); "" when not
//	command_line      the command line, quoted for a POSIX shell; "" when not given
//	filter            {since, until: time or "", servers, clients: the patterns}
//	short_window      Go duration ("168h0m0s"); negative: never flagged
//	audit_windows     true: the servers carry their audit windows (a report
//	                   without it predates them: see Servers and coverage)
//	partial_filters   the filters of the partials merged into it, once each
//	                   (FilterText joined with "; "), sorted
//	summary           {clients, servers, servers_without_audit, inputs, skipped_inputs,
//	                   records, damaged_chunks, errors, rejected_clients,
//	                   events: {"3021": n, ...},
//	                   audit_events: findings of 3000, 3021, 3022, 3024-3027,
//	                   notice: "" or the no-evidence notice,
//	                   headlines: [{setting, clients, servers, possible_clients,
//	                                possible_servers,
//	                                state: "breaks", "possibly", "none-seen" or
//	                                       "cannot-tell",
//	                                audit: "signing", "spn", "smb1" or "encryption",
//	                                audit_switch, servers_with_audit,
//	                                servers_without_audit, text}]}  (derived)
//	caveats[]         {kind: "short-window", "wrapped", "damaged" or "skipped",
//	                   server, input, text}                         (derived)
//	clients[]         sorted by client:
//	  client                   normalised ID, e.g. "10.0.0.5", "nas01"
//	  kind                     "ipv4", "ipv6", "host", "fqdn", "unknown"
//	  short_name               first label of a host name or FQDN
//	  linked                   other clients with the same short name (derived)
//	  names                    raw names as logged, sorted
//	  linked_total, names_total, servers_total, users_total, spns_total
//	                           the number of values of each of these lists: a
//	                           list holds its first 20 (DefaultMaxListed, see
//	                           Options.MaxListed), so that a client that logs
//	                           many names cannot swell the report; the total
//	                           less the list's length is the "and M more" of
//	                           the renderers. Merged summarised reports keep
//	                           the largest total (values past the lists of two
//	                           partials cannot be told apart)
//	  events                   {"3021": count, ...}
//	  servers_by_event         {"3021": [servers], ...}
//	  first_seen, last_seen    time
//	  first_evidence, last_evidence
//	                           {time, server, event_id, record_id,
//	                            source: {file, chunk, offset}}
//	  servers, users, spns     sorted ("" is an empty SPN)
//	  spn_query_statuses       sorted, "0xC00000BB STATUS_NOT_SUPPORTED"
//	  epa_policies             sorted, "1 (label)" or the raw number
//	  server_requires_signing  sorted, "false", "true"
//	  spns_service_class_invalid, spns_principal_name_invalid
//	                           sorted SPNs of its 3025 events whose
//	                           ServiceClassIsValid, PrincipalNameIsValid was false
//	  damaged_chunk_events     events read from chunks that failed a checksum
//	  breaks_under             sorted settings, from "DisableSMB1",
//	                           "EncryptData+RejectUnencryptedAccess",
//	                           "RequireSecuritySignature",
//	                           "SmbServerNameHardeningLevel=1",
//	                           "SmbServerNameHardeningLevel=2" (derived)
//	  possibly_breaks_under    same vocabulary, 3027-only evidence (derived)
//	  rejected_by_enforcement  a 551 or a 5168 was seen (derived)
//	  verdicts                 [{setting, certain, events, servers, hints}] (derived)
//	  rejection_statuses       statuses of its 551 events, ErrorCodes of its 5168
//	servers[]         sorted by server (names differing in case are one):
//	                   {server, first, last, audit_first, audit_last (omitted
//	                   when zero: the Audit channel's window), records, findings,
//	                   events: {"3021": n}, audit_events, clients, audit_kinds,
//	                   audits: the families it logged (with a client filter,
//	                   those of other clients' findings too), warnings}
//	                   (all but server, first, last, audit_first, audit_last,
//	                   records, audits derived); first and last (and the audit
//	                   ones) are times of records, never filter bounds
//	                   ("" when a bound cut them and no finding is left)
//	inputs[]          sorted by path: {path, size, skipped, reason, cause, chunks,
//	                   chunks_decoded, chunks_skipped, records (decoded),
//	                   records_in_chunks, first_record_id (0: unknown),
//	                   sha256 (lower-case hex, "" when unknown), damaged_chunks,
//	                   errors, first, last}; cause is "" for a file read, else
//	                   why it was skipped (smbaudit.Cause): "not-evtx",
//	                   "not-regular", "unsupported-version", "too-short", "not-found",
//	                   "permission-denied" or "unreadable" (also what a
//	                   skipped input of a report written without causes
//	                   reads as)
//	events_per_day[]  sorted: {date: "2006-01-02" (UTC), events: {"3021": n}}
//	unparsed          count of recognised events too malformed to classify
//	unparsed_samples  the first 1000 of them in time order:
//	                   {time, server, event_id, record_id, source, reason}
//	findings[]        every finding, in time order: {time, server, event_id,
//	                   record_id, source, event_record_id, kind, channel,
//	                   client, client_raw, client_kind, short_name, user, spn,
//	                   has_spn, spn_query_status, epa_policy,
//	                   server_requires_signing, service_class_is_valid,
//	                   principal_name_is_valid, server_requires_encryption
//	                   ("true", "false" or "" when absent), status,
//	                   chunk_damaged, recovered (only when true: found in
//	                   chunk slack), reason};
//	                   empty when findings_omitted is not 0
//	findings_omitted  findings counted in the rows but not listed (past
//	                   Options.MaxFindings); such a report is read back from
//	                   its rows (clients, servers' findings, events and
//	                   clients, events_per_day, unparsed, unparsed_samples)
package report
