//go:build !mpi

package dist

import (
	"strings"
	"testing"
)

func TestOpenWithoutMPIUnderMpirunSaysToBuildWgtrainMPI(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	c, err := Open()
	if err == nil {
		t.Fatalf("Open under mpirun -np 2 in a build without MPI gave a Comm of size %d", c.Size())
	}
	for _, want := range []string{"2 MPI processes", "built without MPI", "make wgtrain-mpi"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestOpenAloneOrUnderOneRankIsSingle(t *testing.T) {
	for _, env := range []string{"", "1"} {
		t.Setenv("OMPI_COMM_WORLD_SIZE", env)
		t.Setenv("PMI_SIZE", "")
		t.Setenv("PMIX_RANK", "")
		c, err := Open()
		if err != nil || c.Size() != 1 {
			t.Fatalf("OMPI_COMM_WORLD_SIZE=%q: %v, %v", env, c, err)
		}
	}
}
