package gpu

import (
	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// The host's waits on the GPU. A read-back waits for the one submission
// that holds its copy (Device.Poll with that submission's index), never
// for work submitted after it, so a loop that submits step N+1 before it
// reads step N's results keeps the GPU busy while the host waits. Sync and
// Close drain the queue; the per-submission cap of software adapters waits
// for the submission before the one it makes. SyncCounts counts all of it.

// SyncCounts counts the backend's submissions and the host's waits on
// them, for tests and benchmarks that check a loop is pipelined: that the
// next step is submitted before the previous step's results are asked for,
// and that asking for them waits for that step's submission only.
type SyncCounts struct {
	// Submissions is the number of submissions made to the queue.
	Submissions uint64
	// Waits counts the times the host blocked on the GPU: a read-back
	// whose values had not arrived, a drain, a wait of the cap.
	Waits uint64
	// ReadBacks counts the read-backs whose values the host asked for
	// (the first Float32 or Int32 of each Pending, and every Download).
	ReadBacks uint64
	// Ahead counts the read-backs among them asked for while a later
	// submission than the one holding the copy was already queued.
	Ahead uint64
	// Polls counts the blocking polls made for read-backs (at least one
	// per read-back: when the values are there it returns at once), and
	// Exact those that waited for exactly the submission holding the
	// read-back's copy, not a later one nor all of them.
	Polls, Exact uint64
	// Drains counts the waits for every submission made (Sync, Close).
	Drains uint64
	// CapWaits counts the waits of the per-submission cap (see
	// Options.SubmitFLOPs) for the submission before the one it made.
	CapWaits uint64
}

// SyncCounts returns the counts of submissions and waits so far.
func (g *Backend) SyncCounts() SyncCounts {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.counts
	c.Submissions, c.Waits = g.gen, g.waits
	return c
}

// pollFor blocks until submission idx has finished, or every submission
// when idx is 0, on behalf of a read-back whose copy submission need
// holds; the poll fires the map callbacks of every finished submission.
func (g *Backend) pollFor(idx, need wgpu.SubmissionIndex) {
	g.counts.Polls++
	if idx == need {
		g.counts.Exact++
	}
	if idx == 0 {
		g.d.dev.Poll(true, nil)
		return
	}
	// The struct go-webgpu passes to C holds the queue's C handle, no Go
	// pointer, so cgo's pointer checks accept it.
	g.d.dev.Poll(true, &wgpu.WrappedSubmissionIndex{Queue: g.d.queue, SubmissionIndex: idx})
}

// submitCapped submits what is recorded because the next dispatch would
// pass the per-submission cap, and waits until the work submitted before
// it has finished: at most two capped submissions are queued, each short
// enough for a software driver, and the submission just made runs while
// the host records the next one.
func (g *Backend) submitCapped() error {
	done, before := false, g.sub
	if before != 0 {
		onWorkDone(g.d.queue, func() { done = true })
	}
	if err := g.flush(false); err != nil {
		return err
	}
	if before == 0 {
		return nil
	}
	g.waits++
	g.counts.CapWaits++
	for !done {
		g.d.dev.Poll(true, &wgpu.WrappedSubmissionIndex{Queue: g.d.queue, SubmissionIndex: before})
		if err := g.d.lostErr("wait"); err != nil {
			return err
		}
	}
	return nil
}
