//go:build !mpi

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainRefusesSeveralProcesses checks that train in the default build
// (no MPI; the mpi build trains data-parallel instead) started by an MPI
// launcher as one of two processes stops before any work, saying that
// it trains in one process, and writes no run directory.
func TestTrainRefusesSeveralProcesses(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	logdir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := wgtrain("train", "--backend", "cpu", "--epochs", "1", "--logdir", logdir, "--quiet")
	if code != 1 || !strings.Contains(stderr, "start one process") || !strings.Contains(stderr, "2 MPI processes") {
		t.Errorf("exit %d, stderr %q: want 1 saying 2 MPI processes and to start one", code, stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(logdir, "*")); len(m) > 0 {
		t.Errorf("the refused run wrote %v", m)
	}
}
