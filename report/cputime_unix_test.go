//go:build linux || darwin

package report

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time of the process so far (user and system),
// which a loaded machine inflates far less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
