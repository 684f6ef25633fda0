package ops

import "testing"

// TestScratchReuse checks that a returned buffer is handed out again
// rather than a new one allocated.
func TestScratchReuse(t *testing.T) {
	s := getScratch(1000)
	putScratch(s)
	allocs := testing.AllocsPerRun(10, func() {
		a := getScratch(900)
		b := getScratch(10)
		putScratch(a)
		putScratch(b)
	})
	if allocs != 0 {
		t.Errorf("getScratch/putScratch allocated %v times a round, want 0", allocs)
	}
	if a := getScratch(1000); cap(a.buf) < 1000 || len(a.buf) != 1000 {
		t.Errorf("getScratch(1000) returned len %d cap %d", len(a.buf), cap(a.buf))
	}
}
