//go:build mpi

package dist

/*
#cgo pkg-config: ompi-c
#include <stdlib.h>
#include <mpi.h>

// The whole C layer: OpenMPI's handles (MPI_COMM_WORLD, MPI_FLOAT...) are
// macros over globals that cgo cannot name, so each call is wrapped here.
// Errors are returned (MPI_ERRORS_RETURN), not fatal.

static int wg_init(int *provided) {
	int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
	if (rc != MPI_SUCCESS) return rc;
	return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

static int wg_ranks(int *rank, int *size, int *local) {
	MPI_Comm node;
	int rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
	if (rc == MPI_SUCCESS) rc = MPI_Comm_size(MPI_COMM_WORLD, size);
	if (rc == MPI_SUCCESS) rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_rank(node, local);
	MPI_Comm_free(&node);
	return rc;
}

static MPI_Datatype wg_type(int kind) {
	switch (kind) {
	case 0: return MPI_FLOAT;
	case 1: return MPI_BYTE;
	case 2: return MPI_INT64_T;
	default: return MPI_DOUBLE;
	}
}

static int wg_sendrecv(void *send, int scount, int to, void *recv, int rcount, int from) {
	return MPI_Sendrecv(send, scount, MPI_FLOAT, to, 0, recv, rcount, MPI_FLOAT, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

static int wg_bcast(void *buf, int count, int kind, int root) {
	return MPI_Bcast(buf, count, wg_type(kind), root, MPI_COMM_WORLD);
}

static int wg_allgather(void *send, int count, int kind, void *recv) {
	return MPI_Allgather(send, count, wg_type(kind), recv, count, wg_type(kind), MPI_COMM_WORLD);
}

static int wg_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int wg_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int wg_finalize(void) { return MPI_Finalize(); }

static void wg_error_string(int code, char *buf) {
	int n = 0;
	if (MPI_Error_string(code, buf, &n) != MPI_SUCCESS) n = 0;
	buf[n] = 0;
}
*/
import "C"

import (
	"fmt"
	"math"
	"os"
	"sync"
	"unsafe"
)

// WithMPI reports whether this binary was built with MPI (build tag mpi).
const WithMPI = true

// Datatype codes of wg_type.
const (
	kindFloat32 = 0
	kindByte    = 1
	kindInt64   = 2
	kindFloat64 = 3
)

var (
	openMu sync.Mutex
	opened *mpiComm
)

// Open returns the Comm of this process: under mpirun (or srun) the MPI
// Comm of MPI_COMM_WORLD, initialized by MPI_Init_thread asking for
// MPI_THREAD_SERIALIZED (every MPI call is made under one mutex, from
// whichever thread Go runs it on); otherwise Single. MPI can be
// initialized once per process: Open returns the same Comm until its
// Close, and an error after it.
//
// When a rank dies (exits before Close, or is killed), mpirun sees it and
// kills every other rank, so no rank waits forever in a collective (about
// a second on one machine; the tests check it); Abort ends the run on
// purpose the same way, with its exit status. A rank that hangs without
// dying leaves the others waiting: MPI has no timeout of its own, and
// mpirun's --timeout is the guard. Errors of MPI calls are returned
// (MPI_ERRORS_RETURN) rather than aborting the process.
func Open() (Comm, error) {
	if n, _ := launched(); n == 0 {
		return Single(), nil
	}
	openMu.Lock()
	defer openMu.Unlock()
	if opened != nil {
		if opened.closed {
			return nil, fmt.Errorf("dist: MPI was finalized; it is initialized once per process")
		}
		return opened, nil
	}
	// OpenMPI's stack-trace handlers of SIGSEGV, SIGBUS, SIGFPE and SIGILL
	// (opal_signal) are turned off, so that Go's runtime, which handles
	// those signals itself, stays their only handler.
	if _, ok := os.LookupEnv("OMPI_MCA_opal_signal"); !ok {
		os.Setenv("OMPI_MCA_opal_signal", "")
	}
	var provided C.int
	if rc := C.wg_init(&provided); rc != C.MPI_SUCCESS {
		return nil, mpiError("MPI_Init_thread", rc)
	}
	if provided < C.MPI_THREAD_SERIALIZED {
		C.wg_finalize()
		return nil, fmt.Errorf("dist: MPI_Init_thread provides thread level %d, below MPI_THREAD_SERIALIZED (%d), which wgtrain needs", int(provided), int(C.MPI_THREAD_SERIALIZED))
	}
	var rank, size, local C.int
	if rc := C.wg_ranks(&rank, &size, &local); rc != C.MPI_SUCCESS {
		C.wg_finalize()
		return nil, mpiError("MPI_Comm_rank", rc)
	}
	opened = &mpiComm{rank: int(rank), size: int(size), local: int(local)}
	return opened, nil
}

// mpiComm is the Comm of MPI_COMM_WORLD.
type mpiComm struct {
	mu                sync.Mutex // serializes every MPI call
	closed            bool
	rank, size, local int
	scratch           []float32 // a chunk of the ring all-reduce
}

func (m *mpiComm) Rank() int      { return m.rank }
func (m *mpiComm) Size() int      { return m.size }
func (m *mpiComm) LocalRank() int { return m.local }

// mpiError turns an MPI error code into an error naming the call.
func mpiError(call string, rc C.int) error {
	buf := (*C.char)(C.malloc(C.MPI_MAX_ERROR_STRING + 1))
	defer C.free(unsafe.Pointer(buf))
	C.wg_error_string(rc, buf)
	return fmt.Errorf("dist: %s: %s (MPI error %d)", call, C.GoString(buf), int(rc))
}

// ptr is the address of a slice's first element, nil when empty.
func ptr[T any](s []T) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(&s[0])
}

// count checks that n values fit in an MPI count (a C int).
func count(n int) (C.int, error) {
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("dist: %d values are more than one MPI call takes (%d)", n, math.MaxInt32)
	}
	return C.int(n), nil
}

// lock takes the MPI mutex, or returns ErrClosed.
func (m *mpiComm) lock() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// sameLength checks, collectively, that every rank passes n values, so
// that a mismatch is the same error on every rank instead of a hang or a
// truncation on some. The caller holds the mutex.
func (m *mpiComm) sameLength(what string, n int) error {
	mine := []int64{int64(n)}
	all := make([]int64, m.size)
	if rc := C.wg_allgather(ptr(mine), 1, kindInt64, ptr(all)); rc != C.MPI_SUCCESS {
		return mpiError("MPI_Allgather", rc)
	}
	for r, v := range all {
		if v != all[0] {
			return fmt.Errorf("dist: %s of buffers of different lengths: rank 0 has %d values, rank %d has %d", what, all[0], r, v)
		}
	}
	return nil
}

// sendRecv is the ring's exchange (exchanger); the caller holds the mutex.
func (m *mpiComm) sendRecv(send []float32, to int, recv []float32, from int) error {
	sc, err := count(len(send))
	if err != nil {
		return err
	}
	rc := C.int(len(recv)) // no larger than send's chunk + 1
	if r := C.wg_sendrecv(ptr(send), sc, C.int(to), ptr(recv), rc, C.int(from)); r != C.MPI_SUCCESS {
		return mpiError("MPI_Sendrecv", r)
	}
	return nil
}

func (m *mpiComm) AllReduceSum(buf []float32) error { return m.allReduce(buf, false) }

func (m *mpiComm) AllReduceMean(buf []float32) error { return m.allReduce(buf, true) }

func (m *mpiComm) allReduce(buf []float32, mean bool) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if err := m.sameLength("all-reduce", len(buf)); err != nil {
		return err
	}
	if need := len(buf)/m.size + 1; len(m.scratch) < need {
		m.scratch = make([]float32, need)
	}
	if mean {
		scaleForMean(buf, m.size)
	}
	return ringAllReduceSum(m, m.rank, m.size, buf, m.scratch)
}

func (m *mpiComm) BroadcastFloat32(buf []float32, root int) error {
	return m.broadcast(ptr(buf), len(buf), kindFloat32, root)
}

func (m *mpiComm) BroadcastBytes(buf []byte, root int) error {
	return m.broadcast(ptr(buf), len(buf), kindByte, root)
}

func (m *mpiComm) broadcast(p unsafe.Pointer, n, kind, root int) error {
	if err := checkRoot(root, m.size); err != nil {
		return err
	}
	c, err := count(n)
	if err != nil {
		return err
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if err := m.sameLength("broadcast", n); err != nil {
		return err
	}
	if rc := C.wg_bcast(p, c, C.int(kind), C.int(root)); rc != C.MPI_SUCCESS {
		return mpiError("MPI_Bcast", rc)
	}
	return nil
}

func (m *mpiComm) AllGatherInt64(send, recv []int64) error {
	return m.allGather(ptr(send), len(send), ptr(recv), len(recv), kindInt64)
}

func (m *mpiComm) AllGatherFloat64(send, recv []float64) error {
	return m.allGather(ptr(send), len(send), ptr(recv), len(recv), kindFloat64)
}

func (m *mpiComm) allGather(send unsafe.Pointer, nsend int, recv unsafe.Pointer, nrecv, kind int) error {
	if err := checkGather(nsend, nrecv, m.size); err != nil {
		return err
	}
	c, err := count(nrecv)
	if err != nil {
		return err
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if rc := C.wg_allgather(send, c/C.int(m.size), C.int(kind), recv); rc != C.MPI_SUCCESS {
		return mpiError("MPI_Allgather", rc)
	}
	return nil
}

func (m *mpiComm) Barrier() error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if rc := C.wg_barrier(); rc != C.MPI_SUCCESS {
		return mpiError("MPI_Barrier", rc)
	}
	return nil
}

// Abort takes the mutex if it is free, and calls MPI_Abort even when it
// is not: another goroutine may be waiting in a collective that only the
// abort ends.
func (m *mpiComm) Abort(code int, msg string) error {
	if m.mu.TryLock() {
		defer m.mu.Unlock()
	}
	fmt.Fprintf(os.Stderr, "wgtrain: rank %d of %d: %s\n", m.rank, m.size, msg)
	if rc := C.wg_abort(C.int(code)); rc != C.MPI_SUCCESS {
		return mpiError("MPI_Abort", rc)
	}
	return nil
}

func (m *mpiComm) Close() error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.closed = true
	if rc := C.wg_finalize(); rc != C.MPI_SUCCESS {
		return mpiError("MPI_Finalize", rc)
	}
	return nil
}
