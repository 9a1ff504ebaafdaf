package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// zone is the display zone of a human-readable renderer: nil is UTC as
// the report has always shown it (the "Z" forms), any other location shows
// times in that zone and names it once in the header. Machine formats
// (JSON, CSV, the timeline) never take a zone.
type zone struct{ loc *time.Location }

// zoneLayout is evtx.TimeLayout with the offset of the zone ("Z" in UTC).
const zoneLayout = "2006-01-02T15:04:05.0000000Z07:00"

// zoneLayoutSeconds is zoneLayout for an offset with seconds, which the
// local mean times of zones before standard time have (Africa/Monrovia was
// UTC-00:44:30 until 1972): RFC 3339 has no such offset, but dropping its
// seconds would move the time.
const zoneLayoutSeconds = "2006-01-02T15:04:05.0000000Z07:00:00"

// full renders t exactly (100 ns), with its offset; "" for the zero time.
func (z zone) full(t time.Time) string {
	if z.loc == nil || t.IsZero() {
		return formatTime(t)
	}
	l := t.In(z.loc)
	if _, off := l.Zone(); off%60 != 0 {
		return l.Format(zoneLayoutSeconds)
	}
	return l.Format(zoneLayout)
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
// Europe/Paris (UTC+02:00)". It gives the offsets the zone has over the
// span of the report's records (servers' first to last record), in order,
// such as "(UTC+02:00, UTC+01:00)" across the end of summer time; or, for
// a report without records, the offset at the generation time. Exact
// times carry their own offset.
func (z zone) describe(r *Report) string {
	if z.loc == nil {
		return ""
	}
	s := "times in " + z.loc.String()
	var offs []string
	add := func(t time.Time) time.Time {
		_, off := t.In(z.loc).Zone()
		if o := utcOffset(off); !slices.Contains(offs, o) {
			offs = append(offs, o)
		}
		_, end := t.In(z.loc).ZoneBounds()
		return end
	}
	first, last := r.span()
	if first.IsZero() {
		at := r.GeneratedAt
		if at.IsZero() {
			at = time.Now()
		}
		add(at)
	} else {
		// Each period of one offset from first to last; a zone changes
		// offset twice a year at most, so a few periods cover any log.
		for t, n := first, 0; n < 64; n++ {
			end := add(t)
			if end.IsZero() || !end.Before(last) && !end.Equal(last) {
				break
			}
			t = end
		}
	}
	if z.loc == time.UTC || (len(offs) == 1 && (offs[0] == "UTC+00:00" && z.loc.String() == "UTC" || offs[0] == z.loc.String())) {
		return s // UTC, or a fixed offset named by its offset
	}
	return s + " (" + strings.Join(offs, ", ") + ")"
}

// span returns the first and last record of the report's servers; zero
// times when there is none.
func (r *Report) span() (first, last time.Time) {
	for _, s := range r.Servers {
		if !s.First.IsZero() && (first.IsZero() || s.First.Before(first)) {
			first = s.First
		}
		if s.Last.After(last) {
			last = s.Last
		}
	}
	return first, last
}

// utcOffset renders an offset in seconds east of UTC as "UTC+02:00".
func utcOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	if off%60 != 0 {
		return fmt.Sprintf("UTC%c%02d:%02d:%02d", sign, off/3600, off%3600/60, off%60)
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
