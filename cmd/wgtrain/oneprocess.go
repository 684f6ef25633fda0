package main

import (
	"errors"
	"fmt"

	"github.com/wgtrain/wgtrain/trainer"
	"github.com/wgtrain/wgtrain/trainer/dist"
)

// trainComm returns the Comm that train runs on: dist.Single in one
// process, and under mpirun (or srun) in the binary built with MPI
// (`make wgtrain-mpi`) the MPI Comm of every rank, over which train runs
// data-parallel. The default build, which has no MPI, refuses to start as
// one of several MPI processes: each would train its own copy into the
// same run directory.
func trainComm() (dist.Comm, error) {
	c, err := dist.Open()
	if err != nil {
		return nil, fmt.Errorf("train: %w; or start one process", err)
	}
	return c, nil
}

// endRanks ends a run of several ranks that failed on this rank: every
// rank stops (Comm.Abort) with the error and this rank's number, so that
// no rank waits for the others in a collective. An interruption, which
// every rank agrees on, is returned as it is.
func endRanks(c dist.Comm, err error, code int) error {
	if err == nil || c.Size() == 1 || errors.Is(err, trainer.ErrInterrupted) {
		return err
	}
	if aerr := c.Abort(code, "train: "+err.Error()); aerr != nil { // Abort names the rank
		return errors.Join(err, aerr)
	}
	return err
}

// interrupted is train's message for an interrupted run; it wraps
// trainer.ErrInterrupted.
type interrupted struct{ msg string }

func (e interrupted) Error() string { return e.msg }
func (e interrupted) Unwrap() error { return trainer.ErrInterrupted }
