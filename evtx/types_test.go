package evtx

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventGet(t *testing.T) {
	ev := &Event{Data: []Field{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}, {Name: "A", Value: "3"}}}
	tests := []struct {
		name   string
		want   string
		wantOK bool
	}{
		{"A", "1", true},
		{"B", "2", true},
		{"a", "", false},
		{"C", "", false},
	}
	for _, tt := range tests {
		got, ok := ev.Get(tt.name)
		assert.Equal(t, tt.wantOK, ok, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}

func TestErrorWrapsAndNamesPlace(t *testing.T) {
	var err error = &Error{File: "x.evtx", Chunk: 3, Offset: 0x31000, RecordID: 42, Err: ErrBadRecord}
	require.True(t, errors.Is(err, ErrBadRecord))
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "x.evtx: chunk 3 at offset 200704 (0x31000), record 42: evtx: bad record", err.Error())
}
