// Package cli holds what the example commands share and a Go user of the
// library packages does not need: reading time bounds as people type them,
// and flags placed among the paths.
package cli

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrBadTime is returned by ParseTime for a value that is neither a time
// nor a span before now. Its text carries no command name, so that a
// command prefixes it once.
var ErrBadTime = errors.New("not a time")

// localLayouts are the forms without a zone, read in the zone given to
// ParseTime: a space or a T between date and time, seconds and fractions
// optional.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04", "2006-01-02 15:04",
	time.DateOnly,
}

var relative = regexp.MustCompile(`^(\d+)\s*(s|m|h|d|w|y)$`)

// ParseTime reads a time bound as people type it on a command line, and
// returns it in UTC:
//   - RFC 3339 with a zone ("2025-10-01T08:00:00Z", "2025-10-01T10:00:00+02:00",
//     fractions allowed);
//   - a date and time without a zone, with a space or a T and optional
//     seconds ("2025-10-15 10:00", "2025-10-15T10:00:00.5"), or a date alone
//     (the start of that day), read in loc (UTC when loc is nil). A wall
//     clock that loc skips (spring forward) is the instant the clocks
//     jumped; one that loc shows twice (fall back) is refused, as either
//     could be meant, but for a date, whose day starts at the first;
//   - a span before now: a whole number and a unit of s, m, h, d (24 h),
//     w (7 d) or y (a calendar year), such as "30d" or "1y", or a Go
//     duration such as "1h30m".
//
// The error wraps ErrBadTime and quotes s.
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	v := strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range localLayouts {
		if w, err := time.Parse(layout, v); err == nil {
			return inZone(s, w, loc, layout == time.DateOnly)
		}
	}
	if m := relative.FindStringSubmatch(strings.ToLower(v)); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if m[2] == "y" {
			if err != nil || n > 10000 {
				return time.Time{}, fmt.Errorf("%w: %q: span too large", ErrBadTime, s)
			}
			return now.AddDate(-int(n), 0, 0).UTC(), nil
		}
		unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour,
			"d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		if err != nil || n > int64((1<<63-1)/unit) {
			return time.Time{}, fmt.Errorf("%w: %q: span too large", ErrBadTime, s)
		}
		return now.Add(-time.Duration(n) * unit).UTC(), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: %q: want RFC 3339 (2025-10-01T08:00:00Z), a date and time without a zone "+
		"(2025-10-01 08:00, read in %s), a date (2025-10-01) or a span before now (30d, 12h, 1y)", ErrBadTime, s, loc)
}

// inZone returns the instant at which loc's clocks show w's wall clock
// (w is in UTC), in UTC: see ParseTime for a wall clock loc skips or
// shows twice. s is the input, for the error.
func inZone(s string, w time.Time, loc *time.Location, date bool) (time.Time, error) {
	// The offsets in effect around w: a zone changes offset at most a
	// few times a year, so those a day before and after cover both sides
	// of any change at w.
	var at []time.Time
	for _, d := range []time.Duration{-36 * time.Hour, 0, 36 * time.Hour} {
		_, off := w.Add(d).In(loc).Zone()
		c := w.Add(-time.Duration(off) * time.Second)
		if _, o := c.In(loc).Zone(); o == off && !slices.ContainsFunc(at, c.Equal) {
			at = append(at, c)
		}
	}
	slices.SortFunc(at, time.Time.Compare)
	switch {
	case len(at) == 0:
		// Skipped: the clocks jumped from before w to after it, at the
		// start of the offset period that w read in the earlier offset
		// falls in.
		_, before := w.Add(-36 * time.Hour).In(loc).Zone()
		if start, _ := w.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds(); !start.IsZero() {
			return start.UTC(), nil
		}
		return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc).UTC(), nil
	case len(at) == 1 || date:
		return at[0].UTC(), nil
	}
	const layout = "2006-01-02T15:04:05.9999999Z07:00"
	return time.Time{}, fmt.Errorf("%w: %q: the clocks of %s show it twice, at %s and at %s: give the offset",
		ErrBadTime, s, loc, at[0].In(loc).Format(layout), at[len(at)-1].In(loc).Format(layout))
}
