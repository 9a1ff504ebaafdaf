package smbaudit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

// hashInputs turns the SHA-256 pass of Scan off, for BenchmarkHashCost
// only.
var hashInputs = true

// hashFile returns the SHA-256 of the file at path, read sequentially in
// one pass and opened read-only. It stops when ctx is cancelled.
func hashFile(ctx context.Context, path string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("%s: computing its SHA-256: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("%s: computing its SHA-256: %w", path, err)
		}
	}
	h.Sum(sum[:0])
	return sum, nil
}
