package dist

import (
	"os"
	"strconv"
)

// Launched reports how many processes an MPI launcher (mpirun, srun)
// started together with this one, and the environment variable that said
// so; 0 and "" when none is seen. It needs no MPI library.
func Launched() (size int, from string) { return launched() }

// launched reports how many processes a launcher started, and the
// variable that said so: OMPI_COMM_WORLD_SIZE (OpenMPI's mpirun), PMI_SIZE
// (PMI launchers: MPICH's, Slurm's srun --mpi=pmi2), or SLURM_NTASKS when
// PMIX_RANK shows srun --mpi=pmix. 0 when none is seen.
func launched() (size int, from string) {
	for _, v := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"} {
		if n, err := strconv.Atoi(os.Getenv(v)); err == nil && n > 0 {
			return n, v
		}
	}
	if os.Getenv("PMIX_RANK") != "" {
		if n, err := strconv.Atoi(os.Getenv("SLURM_NTASKS")); err == nil && n > 0 {
			return n, "SLURM_NTASKS"
		}
	}
	return 0, ""
}
