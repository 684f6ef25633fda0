package gpu_test

import (
	"fmt"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/gputest"
)

// since returns the counts made between two snapshots.
func since(a, b gpu.SyncCounts) gpu.SyncCounts {
	return gpu.SyncCounts{
		Submissions: b.Submissions - a.Submissions, Waits: b.Waits - a.Waits,
		ReadBacks: b.ReadBacks - a.ReadBacks, Ahead: b.Ahead - a.Ahead,
		Polls: b.Polls - a.Polls, Exact: b.Exact - a.Exact,
		Drains: b.Drains - a.Drains, CapWaits: b.CapWaits - a.CapWaits,
	}
}

// checkCounts fails t, naming each count that is off, when d (the counts
// of what) differs from want in a field want sets; want's Polls is a
// lower bound (a poll that returns before the copy has landed is
// repeated), and Exact must equal d.Polls whatever want says.
func checkCounts(t *testing.T, what string, d, want gpu.SyncCounts) {
	t.Helper()
	var off string
	eq := func(name string, got, w uint64) {
		if got != w {
			off += fmt.Sprintf("; %s = %d, want %d", name, got, w)
		}
	}
	eq("Submissions", d.Submissions, want.Submissions)
	eq("ReadBacks", d.ReadBacks, want.ReadBacks)
	eq("Ahead (read-backs asked for with a later submission queued)", d.Ahead, want.Ahead)
	eq("Drains", d.Drains, want.Drains)
	eq("CapWaits", d.CapWaits, want.CapWaits)
	eq("Exact (polls for the read-back's own submission), of the polls,", d.Exact, d.Polls)
	if d.Polls < want.Polls {
		off += fmt.Sprintf("; Polls = %d, want at least %d", d.Polls, want.Polls)
	}
	if off != "" {
		t.Errorf("%s: %s (all: %+v)", what, off[2:], d)
	}
}

// Two submissions in flight: reading the first one's result waits for
// the first submission only (the poll names its index), while the
// second is queued; reading the second one finds nothing later queued.
// Counted, never timed.
func TestReadBackWaitsForItsOwnSubmission(t *testing.T) {
	b := gputest.Backend(t)
	x := alloc(t, b, nil, 4096)
	defer b.Free(x)
	y := alloc(t, b, nil, 4096)
	defer b.Free(y)
	c0 := b.SyncCounts()
	if err := b.Fill(x, 3); err != nil {
		t.Fatal(err)
	}
	pa, err := b.DownloadAsync(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.Fill(y, 5); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(y, y, y); err != nil {
		t.Fatal(err)
	}
	pb, err := b.DownloadAsync(y)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	c1 := b.SyncCounts()
	checkCounts(t, "recording and submitting two read-backs", since(c0, c1), gpu.SyncCounts{Submissions: 2})
	va, err := pa.Float32()
	if err != nil {
		t.Fatal(err)
	}
	c2 := b.SyncCounts()
	checkCounts(t, "the first read-back, the second submission queued", since(c1, c2), gpu.SyncCounts{ReadBacks: 1, Ahead: 1, Polls: 1})
	vb, err := pb.Float32()
	if err != nil {
		t.Fatal(err)
	}
	c3 := b.SyncCounts()
	checkCounts(t, "the second read-back, nothing later queued", since(c2, c3), gpu.SyncCounts{ReadBacks: 1, Polls: 1})
	if va[0] != 3 || va[4095] != 3 || vb[0] != 10 || vb[4095] != 10 {
		t.Errorf("read back x[0], x[4095] = %v, %v (want 3) and y = %v, %v (want 10)", va[0], va[4095], vb[0], vb[4095])
	}
	// A Sync drains the queue, which a read-back never does.
	if err := b.Fill(x, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "Sync", since(c3, b.SyncCounts()), gpu.SyncCounts{Submissions: 1, Drains: 1})
}

// The per-submission cap waits for the submission before the one it
// makes, never for all of them, and never for the one just made.
func TestSubmitCapWaitsForThePreviousSubmission(t *testing.T) {
	gputest.Backend(t)
	b, err := gpu.New(gpu.Options{SubmitFLOPs: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	x := alloc(t, b, []float32{1, 2, 3, 4}, 4)
	c0 := b.SyncCounts()
	for range 20 {
		if err := b.Add(x, x, x); err != nil {
			t.Fatal(err)
		}
	}
	c1 := b.SyncCounts()
	d := since(c0, c1)
	// Each Add is estimated at 4 FLOPs, so the cap of 10 submits every
	// two Adds: 9 submissions before the last two Adds, and a wait for
	// the previous submission at each but the first.
	checkCounts(t, "20 Adds under a cap of 2 Adds", d, gpu.SyncCounts{Submissions: 9, CapWaits: 8})
	same(t, "x", get(t, b, x), []float32{1 << 20, 2 << 20, 3 << 20, 4 << 20})
}
