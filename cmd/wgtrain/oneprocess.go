package main

import (
	"fmt"

	"github.com/wgtrain/wgtrain/trainer/dist"
)

// oneProcess refuses to train when wgtrain was started as one of several
// MPI processes (mpirun, srun): each would train its own copy of the
// model and write the same run directory, and data-parallel training is
// not wired into train yet (trainer/dist is its communication layer).
func oneProcess() error {
	c, err := dist.Open()
	if err != nil {
		return fmt.Errorf("train: %w; but train does not run data-parallel yet either: start one process", err)
	}
	defer c.Close()
	if n := c.Size(); n > 1 {
		return fmt.Errorf("train: started as rank %d of %d MPI processes, but train does not run data-parallel yet: start one process", c.Rank(), n)
	}
	return nil
}
