package smbaudit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
)

// hashContent returns the SHA-256 of r, read sequentially in one pass: the
// bytes of the very file the scan decodes, not the path opened again. It
// stops when ctx is cancelled.
func hashContent(ctx context.Context, r io.Reader) ([32]byte, error) {
	var sum [32]byte
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var off int64
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("computing its SHA-256: reading at offset %d: %w", off, err)
		}
	}
	h.Sum(sum[:0])
	return sum, nil
}
