//go:build !mpi

package dist

import "fmt"

// Open returns the Comm of this process. This binary was built without
// MPI, so it is Single; started by mpirun (or srun) as one of several
// processes it is an error, rather than training that many independent
// copies.
func Open() (Comm, error) {
	if n, from := launched(); n > 1 {
		return nil, fmt.Errorf("started as one of %d MPI processes (%s=%d), but this binary was built without MPI: build bin/wgtrain-mpi with `make wgtrain-mpi` and launch that", n, from, n)
	}
	return Single(), nil
}

// WithMPI reports whether this binary was built with MPI (build tag mpi).
const WithMPI = false
