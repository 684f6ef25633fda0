package main

import (
	"strings"
	"testing"
)

// Started by an MPI launcher as one of several processes, every command
// but train refuses before doing anything (N copies would each write the
// same files), and still shows its help.
func TestOnlyTrainRunsAsSeveralProcesses(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	for _, args := range [][]string{
		{"predict", "--checkpoint", "x.safetensors", "--out", "p.csv"},
		{"bench", "--backend", "cpu", "--steps", "1"},
		{"report", "--predictions", "p.csv"},
	} {
		code, stdout, stderr := wgtrain(args...)
		if code != 2 || !strings.Contains(stderr, "wgtrain "+args[0]+": started as one of 2 processes (OMPI_COMM_WORLD_SIZE)") || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q: want 2 and the refusal naming the command", args, code, stdout, stderr)
		}
	}
	if code, stdout, _ := wgtrain("predict", "--help"); code != 0 || !strings.Contains(stdout, "usage: wgtrain predict") {
		t.Errorf("predict --help: exit %d, stdout %q", code, stdout)
	}
}
