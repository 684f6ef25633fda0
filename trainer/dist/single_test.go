package dist

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestSingleIsRankZeroOfOneAndItsCollectivesAreIdentities(t *testing.T) {
	c := Single()
	if c.Rank() != 0 || c.Size() != 1 || c.LocalRank() != 0 {
		t.Fatalf("Single: rank %d, size %d, local rank %d", c.Rank(), c.Size(), c.LocalRank())
	}
	buf := []float32{1.5, -2, 3e-8}
	for name, f := range map[string]func([]float32) error{"AllReduceSum": c.AllReduceSum, "AllReduceMean": c.AllReduceMean} {
		if err := f(buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if buf[0] != 1.5 || buf[1] != -2 || buf[2] != 3e-8 {
			t.Fatalf("%s changed the buffer: %v", name, buf)
		}
	}
	if err := c.BroadcastFloat32(buf, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.BroadcastBytes([]byte("x"), 1); err == nil || !strings.Contains(err.Error(), "root 1") {
		t.Fatalf("broadcast from rank 1 of 1: %v", err)
	}
	got := make([]int64, 2)
	if err := c.AllGatherInt64([]int64{4, -5}, got); err != nil || got[0] != 4 || got[1] != -5 {
		t.Fatalf("AllGatherInt64: %v, %v", got, err)
	}
	gotf := make([]float64, 1)
	if err := c.AllGatherFloat64([]float64{0.25}, gotf); err != nil || gotf[0] != 0.25 {
		t.Fatalf("AllGatherFloat64: %v, %v", gotf, err)
	}
	if err := c.AllGatherFloat64([]float64{0.25}, make([]float64, 2)); err == nil {
		t.Fatal("an all-gather into a buffer of the wrong length gave no error")
	}
	if err := c.Barrier(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.AllReduceSum(buf); !errors.Is(err, ErrClosed) {
		t.Fatalf("AllReduceSum after Close: %v, want ErrClosed", err)
	}
}

func TestSingleAbortExitsWithTheCodeAndMessage(t *testing.T) {
	if os.Getenv("WGTRAIN_DIST_ABORT") == "1" {
		Single().Abort(7, "rank 0 gave up")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSingleAbortExitsWithTheCodeAndMessage$")
	cmd.Env = append(os.Environ(), "WGTRAIN_DIST_ABORT=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Fatalf("exit: %v, want status 7; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "wgtrain: rank 0 gave up") {
		t.Fatalf("output does not carry the message:\n%s", out)
	}
}
