//go:build mpi

package dist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/internal/citest"
)

// The MPI tests: run alone (`go test -tags mpi`), the test binary checks
// Open's size-1 Comm and then starts itself under `mpirun -np 2` and
// `-np 3`, where the TestRank tests run on every rank over MPI.

// world is the Comm the test binary opened under mpirun; nil alone.
var world Comm

func TestMain(m *testing.M) {
	if n, _ := launched(); n > 0 {
		c, err := Open()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		world = c
		code := m.Run()
		if err := c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// mpirun runs this test binary on np ranks with the tests run names and
// the extra environment, and returns its output and error.
func mpirun(t *testing.T, np int, run string, env ...string) ([]byte, error) {
	t.Helper()
	path, err := exec.LookPath("mpirun")
	if err != nil {
		citest.Missing(t, "MPI", "no mpirun on PATH (Debian: openmpi-bin, libopenmpi-dev; `make deps`)")
	}
	// mpirun's --timeout ends every rank of a hung run; SIGTERM, which
	// mpirun passes on to the ranks, is the fallback (a SIGKILL would
	// leave them running).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--allow-run-as-root", "--oversubscribe", "--timeout", "100", "-np", fmt.Sprint(np),
		os.Args[0], "-test.run", run, "-test.count=1", "-test.v")
	// Ranks that wait yield the core: the test machine may be busy.
	cmd.Env = append(append(os.Environ(), "OMPI_MCA_mpi_yield_when_idle=1"), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("mpirun -np %d %s did not end in 2 minutes:\n%s", np, run, out)
	}
	return out, err
}

func TestOpenAloneIsSingle(t *testing.T) {
	if world != nil {
		t.Skip("under mpirun")
	}
	c, err := Open()
	if err != nil || c.Size() != 1 || c.Rank() != 0 {
		t.Fatalf("Open alone: %v, %v", c, err)
	}
}

func TestMPIRanksOnTwoAndThreeProcesses(t *testing.T) {
	if world != nil {
		t.Skip("under mpirun")
	}
	dir := t.TempDir()
	for i, np := range []int{2, 3, 2} {
		file := filepath.Join(dir, fmt.Sprintf("run%d-np%d", i, np))
		out, err := mpirun(t, np, "^TestRank", "WGTRAIN_DIST_RESULT="+file)
		if err != nil {
			t.Fatalf("mpirun -np %d: %v\n%s", np, err, out)
		}
		if got := strings.Count(string(out), "--- PASS: TestRankAllReduce ("); got != np {
			t.Fatalf("mpirun -np %d: TestRankAllReduce passed on %d ranks, not %d:\n%s", np, got, np, out)
		}
	}
	first, err1 := os.ReadFile(filepath.Join(dir, "run0-np2"))
	second, err2 := os.ReadFile(filepath.Join(dir, "run2-np2"))
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if len(first) == 0 || !bytes.Equal(first, second) {
		t.Fatalf("two runs on 2 ranks differ: %q and %q", first, second)
	}
}

func TestMPIAbortEndsEveryRank(t *testing.T) {
	if world != nil {
		t.Skip("under mpirun")
	}
	for _, mode := range []string{"abort", "exit"} {
		start := time.Now()
		out, err := mpirun(t, 2, "^TestRankDies$", "WGTRAIN_DIST_DIE="+mode)
		if err == nil {
			t.Fatalf("%s: mpirun succeeded although rank 1 stopped:\n%s", mode, out)
		}
		if mode == "abort" && !strings.Contains(string(out), "wgtrain: rank 1 of 2: rank 1 gives up") {
			t.Errorf("abort: the output does not name rank 1 and its message:\n%s", out)
		}
		t.Logf("%s: mpirun ended in %v: %v", mode, time.Since(start).Round(time.Millisecond), err)
	}
}

// TestRankDies: rank 1 aborts (or exits) while rank 0 waits in an
// all-reduce that never completes.
func TestRankDies(t *testing.T) {
	if world == nil || os.Getenv("WGTRAIN_DIST_DIE") == "" {
		t.Skip("run by TestMPIAbortEndsEveryRank under mpirun")
	}
	if world.Rank() == 1 {
		if os.Getenv("WGTRAIN_DIST_DIE") == "abort" {
			world.Abort(5, "rank 1 gives up")
		}
		os.Exit(3)
	}
	err := world.AllReduceSum(make([]float32, 1000))
	t.Fatalf("rank %d: the all-reduce returned (%v) although rank 1 stopped", world.Rank(), err)
}

// under skips a TestRank test outside mpirun. Under mpirun, a test that
// fails on one rank aborts the run (its message is already out: -test.v
// streams it), so that the other ranks do not wait for it in the next
// collective.
func under(t *testing.T) Comm {
	if world == nil || os.Getenv("WGTRAIN_DIST_DIE") != "" {
		t.Skip("run by TestMPIRanksOnTwoAndThreeProcesses under mpirun")
	}
	t.Cleanup(func() {
		if t.Failed() {
			world.Abort(1, t.Name()+" failed")
		}
	})
	return world
}

// bitsHash is the FNV-1a hash of a buffer's bits.
func bitsHash(buf []float32) int64 {
	h := fnv.New64a()
	for _, v := range buf {
		b := math.Float32bits(v)
		h.Write([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24)})
	}
	return int64(h.Sum64())
}

func TestRankAllReduce(t *testing.T) {
	c := under(t)
	const n = 100003 // uneven chunks on 2 and 3 ranks
	in := randomInputs(11, c.Size(), n)
	var summary []string
	for _, mean := range []bool{false, true} {
		buf := append([]float32(nil), in[c.Rank()]...)
		var err error
		if mean {
			err = c.AllReduceMean(buf)
		} else {
			err = c.AllReduceSum(buf)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			var want, mag float64
			for r := range c.Size() {
				want += float64(in[r][i])
				mag += math.Abs(float64(in[r][i]))
			}
			if mean {
				want, mag = want/float64(c.Size()), mag/float64(c.Size())
			}
			if d := math.Abs(float64(buf[i]) - want); d > 4*float64(c.Size())*1.2e-7*mag {
				t.Fatalf("mean %v: [%d] = %g, float64 reference %g", mean, i, buf[i], want)
			}
		}
		// The same bits as the in-process ring, and on every rank.
		if ref := ringReduce(t, in, mean)[0]; !slices.Equal(buf, ref) {
			t.Fatalf("mean %v: the MPI ring's result differs from the in-process ring's", mean)
		}
		hashes := make([]int64, c.Size())
		if err := c.AllGatherInt64([]int64{bitsHash(buf)}, hashes); err != nil {
			t.Fatal(err)
		}
		for r, h := range hashes {
			if h != hashes[0] {
				t.Fatalf("mean %v: rank %d's result differs from rank 0's", mean, r)
			}
		}
		summary = append(summary, fmt.Sprintf("mean=%v %016x", mean, uint64(hashes[0])))
	}
	if path := os.Getenv("WGTRAIN_DIST_RESULT"); path != "" && c.Rank() == 0 {
		if err := os.WriteFile(path, []byte(strings.Join(summary, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRankAllReduceOfDifferentLengthsIsAnErrorOnEveryRank(t *testing.T) {
	c := under(t)
	err := c.AllReduceSum(make([]float32, 10+c.Rank()))
	if err == nil || !strings.Contains(err.Error(), "different lengths") {
		t.Fatalf("rank %d: %v", c.Rank(), err)
	}
	// The ranks still agree afterwards.
	buf := []float32{float32(c.Rank())}
	if err := c.AllReduceSum(buf); err != nil || buf[0] != float32(c.Size()*(c.Size()-1)/2) {
		t.Fatalf("rank %d: after the error: %v, %v", c.Rank(), buf, err)
	}
}

func TestRankBroadcast(t *testing.T) {
	c := under(t)
	root := c.Size() - 1
	f := []float32{float32(c.Rank()), -1, float32(math.Inf(1))}
	b := []byte(fmt.Sprintf("rank%d", c.Rank()))
	if err := c.BroadcastFloat32(f, root); err != nil {
		t.Fatal(err)
	}
	if err := c.BroadcastBytes(b, root); err != nil {
		t.Fatal(err)
	}
	if f[0] != float32(root) || f[1] != -1 || !math.IsInf(float64(f[2]), 1) || string(b) != fmt.Sprintf("rank%d", root) {
		t.Fatalf("rank %d after the broadcast from %d: %v, %q", c.Rank(), root, f, b)
	}
	if err := c.BroadcastBytes(b, c.Size()); err == nil {
		t.Fatalf("a broadcast from rank %d of %d gave no error", c.Size(), c.Size())
	}
}

func TestRankAllGather(t *testing.T) {
	c := under(t)
	ints := make([]int64, 2*c.Size())
	floats := make([]float64, c.Size())
	if err := c.AllGatherInt64([]int64{int64(c.Rank()), -int64(c.Rank()) << 40}, ints); err != nil {
		t.Fatal(err)
	}
	if err := c.AllGatherFloat64([]float64{float64(c.Rank()) + 0.5}, floats); err != nil {
		t.Fatal(err)
	}
	for r := range c.Size() {
		if ints[2*r] != int64(r) || ints[2*r+1] != -int64(r)<<40 || floats[r] != float64(r)+0.5 {
			t.Fatalf("rank %d: gathered %v and %v", c.Rank(), ints, floats)
		}
	}
	if err := c.Barrier(); err != nil {
		t.Fatal(err)
	}
	if c.LocalRank() != c.Rank() { // every rank on this host
		t.Errorf("rank %d has local rank %d on one host", c.Rank(), c.LocalRank())
	}
}

// TestRankAllReduceTime measures the all-reduce of resnet9-16's gradient
// (413,514 values) when WGTRAIN_DIST_BENCH is set: the median of 50,
// each after a barrier.
func TestRankAllReduceTime(t *testing.T) {
	c := under(t)
	if os.Getenv("WGTRAIN_DIST_BENCH") == "" {
		t.Skip("WGTRAIN_DIST_BENCH is not set")
	}
	buf := randomInputs(1, 1, 413514)[0]
	times := make([]float64, 50)
	for i := range times {
		if err := c.Barrier(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := c.AllReduceMean(buf); err != nil {
			t.Fatal(err)
		}
		times[i] = time.Since(start).Seconds() * 1000
	}
	sort.Float64s(times)
	t.Logf("rank %d of %d: all-reduce of 413,514 float32: median %.3f ms, min %.3f, max %.3f", c.Rank(), c.Size(), times[25], times[0], times[49])
}
