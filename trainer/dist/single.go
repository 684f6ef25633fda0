package dist

import (
	"fmt"
	"os"
	"sync"
)

// Single returns the Comm of a run of one process: rank 0 of size 1, its
// collectives are identities (AllReduceMean multiplies by 1), and Abort
// writes its message to standard error and exits.
func Single() Comm { return &single{} }

// single is the one-process Comm.
type single struct {
	mu     sync.Mutex
	closed bool
}

func (s *single) Rank() int      { return 0 }
func (s *single) Size() int      { return 1 }
func (s *single) LocalRank() int { return 0 }

func (s *single) check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

func (s *single) AllReduceSum(buf []float32) error  { return s.check() }
func (s *single) AllReduceMean(buf []float32) error { return s.check() }

func (s *single) BroadcastFloat32(buf []float32, root int) error { return s.checkRoot(root) }
func (s *single) BroadcastBytes(buf []byte, root int) error      { return s.checkRoot(root) }

func (s *single) checkRoot(root int) error {
	if err := s.check(); err != nil {
		return err
	}
	return checkRoot(root, 1)
}

func (s *single) AllGatherInt64(send, recv []int64) error { return gatherOne(s, send, recv) }

func (s *single) AllGatherFloat64(send, recv []float64) error { return gatherOne(s, send, recv) }

// gatherOne is the all-gather of one process: recv is send.
func gatherOne[T any](s *single, send, recv []T) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := checkGather(len(send), len(recv), 1); err != nil {
		return err
	}
	copy(recv, send)
	return nil
}

func (s *single) Barrier() error { return s.check() }

func (s *single) Abort(code int, msg string) error {
	fmt.Fprintf(os.Stderr, "wgtrain: %s\n", msg)
	os.Exit(code)
	return nil
}

func (s *single) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// checkRoot checks a broadcast's root against the number of ranks.
func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("dist: broadcast root %d is not a rank of %d", root, size)
	}
	return nil
}

// checkGather checks an all-gather's buffer lengths.
func checkGather(nsend, nrecv, size int) error {
	if nrecv != nsend*size {
		return fmt.Errorf("dist: all-gather of %d values from %d ranks needs a receive buffer of %d, not %d", nsend, size, nsend*size, nrecv)
	}
	return nil
}
