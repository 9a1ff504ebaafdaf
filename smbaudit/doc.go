// Package smbaudit classifies the SMB server hardening audit events that
// Windows logs since the September 2025 updates (KB5066913, CVE-2025-55234)
// into typed findings: which client lacks SMB signing (3021, and the
// unreliable SMB1 3027), which sent no, an unrecognised or an empty SPN
// (3024, 3025, 3026), which used SMB1 (3000), and which enforcement already
// rejects (551).
package smbaudit
