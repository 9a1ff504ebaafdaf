package smbaudit

import (
	"fmt"
	"strconv"
	"strings"
)

// ntStatusNames holds the symbolic names (ntstatus.h) of the codes the SMB
// server is known or likely to log in its audit and security events.
var ntStatusNames = map[uint32]string{
	0x00000000: "STATUS_SUCCESS",
	0xC0000001: "STATUS_UNSUCCESSFUL",
	0xC0000002: "STATUS_NOT_IMPLEMENTED",
	0xC000000D: "STATUS_INVALID_PARAMETER",
	0xC0000016: "STATUS_MORE_PROCESSING_REQUIRED",
	0xC0000022: "STATUS_ACCESS_DENIED",
	0xC0000034: "STATUS_OBJECT_NAME_NOT_FOUND",
	0xC000005E: "STATUS_NO_LOGON_SERVERS",
	0xC0000064: "STATUS_NO_SUCH_USER",
	0xC000006A: "STATUS_WRONG_PASSWORD",
	0xC000006D: "STATUS_LOGON_FAILURE",
	0xC0000072: "STATUS_ACCOUNT_DISABLED",
	0xC00000BB: "STATUS_NOT_SUPPORTED",
	0xC00000BE: "STATUS_BAD_NETWORK_PATH",
	0xC00000CC: "STATUS_BAD_NETWORK_NAME",
	0xC000015B: "STATUS_LOGON_TYPE_NOT_GRANTED",
	0xC0000225: "STATUS_NOT_FOUND",
	0xC0000234: "STATUS_ACCOUNT_LOCKED_OUT",
	0xC000035B: "STATUS_BAD_BINDINGS",
	0xC0000388: "STATUS_DOWNGRADE_DETECTED",
	0xC000A000: "STATUS_INVALID_SIGNATURE",
}

// NTStatusName returns the symbolic name of an NTSTATUS code, or "" when the
// code is not one this package knows.
func NTStatusName(code uint32) string { return ntStatusNames[code] }

// String renders the code the way Windows shows an NTSTATUS ("0xC00000BB"),
// followed by its name when known.
func (s NTStatus) String() string {
	if s.Name == "" {
		return fmt.Sprintf("0x%08X", s.Code)
	}
	return fmt.Sprintf("0x%08X %s", s.Code, s.Name)
}

// ParseNTStatus reads an NTSTATUS as logged or rendered: hex with a 0x prefix
// ("0xc00000bb"), unsigned decimal ("3221225659") or, as an Int32 field
// renders it, negative decimal ("-1073741637").
func ParseNTStatus(s string) (NTStatus, error) {
	v, err := parseUint32(s)
	if err != nil {
		return NTStatus{}, err
	}
	return NTStatus{Code: v, Name: NTStatusName(v)}, nil
}

// EPA policy labels, after the SmbServerNameHardeningLevel values they
// mirror (0 off, 1 accept if provided by the client, 2 required from the
// client).
var epaLabels = map[uint32]string{
	0: "off",
	1: "accept if provided",
	2: "required",
}

// NewEPAPolicy labels an EPA policy value; an undocumented value is labelled
// with its raw number.
func NewEPAPolicy(v uint32) EPAPolicy {
	if l, ok := epaLabels[v]; ok {
		return EPAPolicy{Value: v, Label: l}
	}
	return EPAPolicy{Value: v, Label: strconv.FormatUint(uint64(v), 10)}
}

// String renders the value, followed by its label in parentheses when the
// label says more than the number ("1 (accept if provided)", "3").
func (p EPAPolicy) String() string {
	v := strconv.FormatUint(uint64(p.Value), 10)
	if p.Label == "" || p.Label == v {
		return v
	}
	return v + " (" + p.Label + ")"
}

// parseUint32 accepts 0x-prefixed hex, unsigned decimal and negative decimal
// that fits an int32 (two's complement).
func parseUint32(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty number")
	}
	if len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X") {
		v, err := strconv.ParseUint(t[2:], 16, 32)
		if err != nil {
			return 0, fmt.Errorf("not a 32-bit hex number: %q", s)
		}
		return uint32(v), nil
	}
	if t[0] == '-' {
		v, err := strconv.ParseInt(t, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("not a 32-bit number: %q", s)
		}
		return uint32(int32(v)), nil
	}
	v, err := strconv.ParseUint(t, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("not a 32-bit number: %q", s)
	}
	return uint32(v), nil
}
