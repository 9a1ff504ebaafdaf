package report

import (
	"fmt"
	"time"
)

// zone is the display zone of a human-readable renderer: nil is UTC as
// the report has always shown it (the "Z" forms), any other location shows
// times in that zone and names it once in the header. Machine formats
// (JSON, CSV, the timeline) never take a zone.
type zone struct{ loc *time.Location }

// zoneLayout is TimeLayout with the offset of the zone ("Z" in UTC).
const zoneLayout = "2006-01-02T15:04:05.0000000Z07:00"

// full renders t exactly (100 ns), with its offset; "" for the zero time.
func (z zone) full(t time.Time) string {
	if z.loc == nil || t.IsZero() {
		return FormatTime(t)
	}
	return t.In(z.loc).Format(zoneLayout)
}

// short renders t to the second for tables, "-" for the zero time: the
// "Z" form in UTC, the wall clock of the zone otherwise (the header names
// the zone).
func (z zone) short(t time.Time) string {
	if z.loc == nil {
		return shortTime(t)
	}
	if t.IsZero() {
		return "-"
	}
	return t.In(z.loc).Format("2006-01-02 15:04:05")
}

// label names the zone in a column header: "UTC", or the location's name.
func (z zone) label() string {
	if z.loc == nil {
		return "UTC"
	}
	return z.loc.String()
}

// suffix is what a text column of times adds to its name: " (UTC)" in
// UTC, nothing in a zone, which the header names.
func (z zone) suffix() string {
	if z.loc == nil {
		return " (UTC)"
	}
	return ""
}

// describe is the header's note of the zone, "" for nil: "times in
// Europe/Paris (UTC+02:00)", the offset in force at the instant at (the
// generation time). Exact times carry their own offset.
func (z zone) describe(at time.Time) string {
	if z.loc == nil {
		return ""
	}
	if at.IsZero() {
		at = time.Now()
	}
	name, off := at.In(z.loc).Zone()
	s := "times in " + z.loc.String()
	if z.loc == time.UTC || (off == 0 && name == "UTC") || z.loc.String() == utcOffset(off) {
		return s // a fixed offset named by its offset
	}
	return s + " (" + utcOffset(off) + ")"
}

// utcOffset renders an offset in seconds east of UTC as "UTC+02:00".
func utcOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off%3600/60)
}

// wall returns t's wall clock in the zone as a UTC time, for spreadsheet
// date cells, which hold a wall clock without a zone.
func (z zone) wall(t time.Time) time.Time {
	if z.loc == nil {
		return t.UTC()
	}
	l := t.In(z.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}
