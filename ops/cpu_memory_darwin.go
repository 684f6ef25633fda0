package ops

import "golang.org/x/sys/unix"

// physicalMemory returns the machine's total RAM in bytes (hw.memsize),
// or 0 when the system does not say.
func physicalMemory() uint64 {
	n, err := unix.SysctlUint64("hw.memsize")
	if err != nil {
		return 0
	}
	return n
}
