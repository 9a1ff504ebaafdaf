package smbaudit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashContent(t *testing.T) {
	data := bytes.Repeat([]byte("evtx"), 700_000) // 2.8 MB: several 1 MiB reads
	errDisk := errors.New("disk gone")
	tests := []struct {
		name    string
		r       io.Reader
		want    []byte // the bytes hashed, when no error
		wantErr error
		wantOff string
	}{
		{"whole", bytes.NewReader(data), data, nil, ""},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data[:5000])), data[:5000], nil, ""},
		{"fails after 1 MiB", io.MultiReader(bytes.NewReader(data[:1<<20]), iotest.ErrReader(errDisk)), nil, errDisk, "offset 1048576"},
		{"fails at once", iotest.ErrReader(errDisk), nil, errDisk, "offset 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := hashContent(context.Background(), tc.r)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Contains(t, err.Error(), tc.wantOff)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, sha256.Sum256(tc.want), sum)
		})
	}
}

func TestHashContentCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := hashContent(ctx, bytes.NewReader([]byte("x")))
	assert.ErrorIs(t, err, context.Canceled)
}
