// Package dist is wgtrain's communication layer between the processes of
// one data-parallel run: the Comm interface (rank, size, local rank,
// all-reduce, broadcast, all-gather, barrier, abort), Single, the
// one-process Comm that the default build uses, and, in a binary built
// with the build tag mpi (`make wgtrain-mpi`), an MPI Comm over a thin cgo
// layer on OpenMPI's C API. Open returns the one that fits how the process
// was started.
//
// The all-reduce is reproducible: it is a ring reduce-scatter followed by
// a ring all-gather over point-to-point MPI_Sendrecv (ring.go), with a
// chunking and an order of additions fixed by the buffer's length and the
// number of ranks, so that every rank ends with the same bits and two runs
// give the same result whatever algorithms MPI would pick for its own
// MPI_Allreduce. Broadcast and all-gather only move bytes, so MPI's
// collectives are used for them as they are.
//
// trainer.Config.Comm makes a training run data-parallel over a Comm
// (trainer/dist_run.go, trainer/dist_step.go).
package dist

import "errors"

// Comm is one process's handle on the processes of a run. Every
// collective (AllReduce*, Broadcast*, AllGather*, Barrier) must be called
// by every rank, in the same order, with buffers of the same length;
// a length that differs between ranks is an error on every rank for the
// all-reduces and broadcasts. Errors are returned, never panics; after an
// error the run should Abort. A Comm is safe for use by several
// goroutines, which it serializes.
type Comm interface {
	// Rank is this process's rank, 0 to Size()-1; rank 0 writes the run.
	Rank() int
	// Size is the number of processes.
	Size() int
	// LocalRank is this process's rank among the processes of the same
	// host, which picks its GPU adapter (local rank mod adapters).
	LocalRank() int

	// AllReduceSum replaces buf on every rank by the element-wise sum of
	// every rank's buf, added in a fixed order (ring.go).
	AllReduceSum(buf []float32) error
	// AllReduceMean replaces buf on every rank by the element-wise mean:
	// each rank's buf is multiplied by float32(1/Size()) first, then summed
	// as AllReduceSum does, as PyTorch's DistributedDataParallel divides
	// each gradient before its all-reduce.
	AllReduceMean(buf []float32) error

	// BroadcastFloat32 copies root's buf into buf on every other rank.
	BroadcastFloat32(buf []float32, root int) error
	// BroadcastBytes copies root's buf into buf on every other rank.
	BroadcastBytes(buf []byte, root int) error

	// AllGatherInt64 writes every rank's send into recv, rank after rank:
	// recv[r*len(send):(r+1)*len(send)] is rank r's send. len(recv) must
	// be len(send)*Size(), and len(send) the same on every rank.
	AllGatherInt64(send, recv []int64) error
	// AllGatherFloat64 is AllGatherInt64 for float64 values.
	AllGatherFloat64(send, recv []float64) error

	// Barrier returns when every rank has called it.
	Barrier() error

	// Abort ends every process of the run with exit status code, after
	// writing msg (naming this rank) to standard error: under MPI it
	// calls MPI_Abort, so that mpirun kills every rank. It returns only
	// if it could not abort.
	Abort(code int, msg string) error

	// Close ends this process's part in the run (MPI_Finalize); every
	// rank must call it. Calls after Close return ErrClosed.
	Close() error
}

// ErrClosed is returned by a Comm's calls after its Close.
var ErrClosed = errors.New("dist: the communicator is closed")
