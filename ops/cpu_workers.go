package ops

import (
	"sync"
	"sync/atomic"
)

// The CPU backend spreads an operation over the cores without allocating:
// its loop bodies are small job types (a struct of slices and sizes with a
// run method) rather than closures, each stored in a slot of the backend's
// cpuJobs while it runs, and the chunks go to a pool of parked goroutines
// shared by every CPU backend rather than to new goroutines.
//
// A call of dispatch holds the backend's dispatch lock from storing the
// job in its slot until every chunk has finished and the slot is cleared,
// so concurrent operations on one backend take turns. A job body must
// therefore never dispatch on the same backend (it would wait for the lock
// that its own dispatcher holds while waiting for it); none does: job
// bodies call only kernels.

// job is the loop body of a parallel operation: run handles the items
// [lo,hi) of the operation, writing only outputs those items own.
type job interface{ run(lo, hi int) }

// task is one chunk of a dispatched job, as handed to a pool worker.
type task struct {
	j      job
	lo, hi int
	done   *sync.WaitGroup
}

// workerPool is the process's pool of parked goroutines. Its queue is
// buffered, and dispatch never blocks on it: a chunk that finds the queue
// full runs on the dispatching goroutine. Chunks never block either (they
// run kernels, and take only the scratch free lists' short locks), so
// every queued chunk runs.
var workerPool struct {
	mu      sync.Mutex
	started atomic.Int32 // goroutines started so far
	tasks   chan task
}

// taskQueue is the capacity of the pool's queue.
const taskQueue = 256

// ensureWorkers starts pool goroutines until at least n are running. The
// pool only grows: it ends up with as many goroutines as the largest
// worker count of any CPU backend that split work.
func ensureWorkers(n int) {
	if int(workerPool.started.Load()) >= n {
		return
	}
	workerPool.mu.Lock()
	defer workerPool.mu.Unlock()
	if workerPool.tasks == nil {
		workerPool.tasks = make(chan task, taskQueue)
	}
	for int(workerPool.started.Load()) < n {
		go poolWorker(workerPool.tasks)
		workerPool.started.Add(1)
	}
}

// poolWorker runs queued chunks until the process ends.
func poolWorker(tasks <-chan task) {
	for t := range tasks {
		t.j.run(t.lo, t.hi)
		t.done.Done()
	}
}

// dispatch runs val over the items [0,n) in contiguous chunks of chunk
// items (one chunk when chunk >= n) and returns when all have run. val is
// stored in slot, the backend's field for this job type, for the duration
// of the call and cleared afterwards, so that no worker sees a value on
// the caller's stack and no tensor stays reachable from the backend.
// chunk comes from one of the splitting policies below, which depend only
// on n, the sizes and the worker count; every item is handled by exactly
// one run call, so results do not depend on the split.
func dispatch[J any, P interface {
	*J
	job
}](c *CPU, slot P, val J, n, chunk int) {
	if n <= 0 {
		return
	}
	chunk = max(chunk, 1)
	c.dispatchMu.Lock()
	defer c.dispatchMu.Unlock()
	*slot = val
	c.split(slot, n, chunk)
	var zero J
	*slot = zero
}

// split runs j over [0,n) in chunks of chunk items and waits for them.
// A single chunk runs here. Otherwise every chunk goes to the pool (one
// that finds the queue full runs here at once) and this goroutine waits:
// a goroutine it wakes lands in its processor's run-next slot, which an
// idle processor steals only after a short sleep (tens of microseconds
// under Linux's timer slack), whereas waiting hands the processor to that
// goroutine at once. (Running the first chunk here instead measured
// 5-15% slower on the convolutions.) The caller holds c.dispatchMu,
// which guards c.running.
func (c *CPU) split(j job, n, chunk int) {
	if chunk >= n {
		j.run(0, n)
		return
	}
	ensureWorkers(c.workers)
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		c.running.Add(1)
		select {
		case workerPool.tasks <- task{j: j, lo: lo, hi: hi, done: &c.running}:
		default:
			j.run(lo, hi)
			c.running.Done()
		}
	}
	c.running.Wait()
}

// perWorker returns the chunk size that splits n items into one chunk per
// worker (fewer when n is smaller than the worker count): the policy for
// items that are each a sizeable piece of work, such as images.
func (c *CPU) perWorker(n int) int {
	w := min(c.workers, n)
	if w <= 1 {
		return n
	}
	return (n + w - 1) / w
}

// minChunk is the smallest number of elements an element-wise operation
// hands to one worker: below it, handing work to another core costs more
// than the work.
const minChunk = 1 << 15

// elemChunk returns the chunk size of an element-wise operation on n
// elements: one chunk per worker, each of at least minChunk elements.
func (c *CPU) elemChunk(n int) int {
	w := min(c.workers, (n+minChunk-1)/minChunk)
	if w <= 1 {
		return n
	}
	return (n + w - 1) / w
}

// planeChunk returns the chunk size, in planes, of an operation on planes
// planes of size values each: one chunk per worker, each of at least
// minChunk values (and at least one plane).
func (c *CPU) planeChunk(planes, size int) int {
	per := max(1, minChunk/max(size, 1)) // planes a worker needs at least
	w := min(c.workers, (planes+per-1)/per)
	if w <= 1 {
		return planes
	}
	return (planes + w - 1) / w
}

// cpuJobs holds one slot per job type of the CPU backend; dispatch fills
// a slot for the duration of one call. Operations whose jobs have one type
// (unaryJob for Copy and ReLU, binaryJob for Add and ReLUBackward) share
// its slot: dispatch runs one job at a time.
type cpuJobs struct {
	fill        fillJob
	unary       unaryJob
	binary      binaryJob
	scale       scaleJob
	dropout     dropoutJob
	adam        adamJob
	sgd         sgdJob
	convFwd     convForwardJob
	convData    convDataJob
	packDy      convPackDyJob
	convFilter  convFilterJob
	convBias    convBiasJob
	maxPool     maxPoolJob
	maxPoolBack maxPoolBackJob
	linear      linearJob
	bnSum       bnSumJob
	bnSqDev     bnSqDevJob
	bnAffine    bnAffineJob
	bnDyDev     bnDyDevJob
	bnBack      bnBackJob
	poolIdx     poolIdxJob
	unpool      unpoolJob
}
