package evtx

import (
	"context"
	"errors"
	"reflect"
)

// BuildCounts says how the events of a read were built.
type BuildCounts struct {
	// PlanAlone: records the pre-pass resolved, built from its values.
	PlanAlone int
	// PlanKept: records the pre-pass decoded but kept from the Velocidex
	// decoder (or that the decoder lost), built from its values.
	PlanKept int
	// Decoder: records handed to Velocidex and built from its output with
	// the pre-pass's values over it (the fallback).
	Decoder int
	// DecoderChanged: of those, the records whose Event differs from the
	// one the pre-pass's values alone give.
	DecoderChanged int
	// Fallback: records the pre-pass refused for their BinXML, built from
	// the decoder's output alone. FallbackChunks counts the chunks in which
	// the fallback ran (a chunk holding a record the pre-pass refused for
	// its BinXML), FallbackHanded the refused records it handed to the
	// decoder (those passing the reader's template-instance guard).
	Fallback, FallbackChunks, FallbackHanded int
	// Events and Errors: the events and the errors the read yielded.
	Events, Errors int
	// With Options.Recover: the recovered events, those of them built by
	// the fallback, the errors wrapping ErrRecovered (one per chunk) and
	// the slack records they report.
	Recovered, RecoveredFallback, RecoveredErrors, RecoveredLost int
}

// CountBuilds reads the log b with one worker and counts how its events
// were built.
func CountBuilds(b []byte) (BuildCounts, error) { return CountBuildsWith(b, Options{}) }

// CountBuildsWith is CountBuilds with options (Workers is set to 1).
func CountBuildsWith(b []byte, opts Options) (BuildCounts, error) {
	var c BuildCounts
	built := func(how buildPath, plan *recordValues, ev *Event) {
		switch how {
		case builtFromPlan:
			c.PlanAlone++
		case builtFromPlanKept:
			c.PlanKept++
		case builtFromDecoder:
			c.Decoder++
			if !reflect.DeepEqual(ev, eventFromValues(plan)) {
				c.DecoderChanged++
			}
		case builtFromFallback:
			c.Fallback++
		}
	}
	fallback := func(handed, _ int) {
		c.FallbackChunks++
		c.FallbackHanded += handed
	}
	r, err := NewReader(bytesReaderAt(b), int64(len(b)), "log.evtx")
	if err != nil {
		return c, err
	}
	r.hooks = &decodeHooks{built: built, fallback: fallback}
	opts.Workers = 1
	opts.OnChunk = func(ci ChunkInfo) { c.RecoveredLost += ci.RecoveredBad }
	for ev, err := range r.Events(context.Background(), opts) {
		switch {
		case err != nil:
			c.Errors++
			if errors.Is(err, ErrRecovered) {
				c.RecoveredErrors++
			}
		case ev.Recovered:
			c.Events++
			c.Recovered++
			if ev.Fallback != "" {
				c.RecoveredFallback++
			}
		default:
			c.Events++
		}
	}
	return c, nil
}
