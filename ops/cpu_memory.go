package ops

import "sync"

// cpuMemoryLimit is the most bytes one CPU tensor may take: the machine's
// physical memory where the system reports it (physicalMemory, in
// cpu_memory_<os>.go), else fallbackMemoryLimit. A tensor larger than
// that could never be used, and asking the Go runtime for it would end
// the process ("fatal error: runtime: out of memory") instead of
// returning an error. Tests lower it with setCPUMemoryLimit.
var cpuMemoryLimit = sync.OnceValue(func() uint64 {
	if n := physicalMemory(); n > 0 {
		return n
	}
	return fallbackMemoryLimit
})

// fallbackMemoryLimit is the limit where the physical memory is unknown:
// 1 TiB.
const fallbackMemoryLimit = 1 << 40
