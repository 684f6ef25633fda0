//go:build !linux && !darwin

package ops

// physicalMemory returns 0 (unknown) on the systems where the CPU backend
// does not ask: cpuMemoryLimit then uses its fallback.
func physicalMemory() uint64 { return 0 }
