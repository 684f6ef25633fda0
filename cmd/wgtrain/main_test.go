package main

import (
	"bytes"
	"strings"
	"testing"
)

// wgtrain runs the command in-process and returns its exit status and
// output.
func wgtrain(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// smallRun is the arguments of a quick training run on 64 Fashion-MNIST
// samples (width 4, CPU, quiet; no validation split, 32 test samples),
// then extra, which may repeat a flag to override it, then --logdir.
func smallRun(logdir string, extra ...string) []string {
	args := []string{"train", "--train-limit", "64", "--valid-split", "0", "--test-limit", "32", "--width", "4",
		"--backend", "cpu", "--quiet"}
	return append(append(args, extra...), "--logdir", logdir)
}

func TestUnknownCommand(t *testing.T) {
	code, _, errOut := wgtrain("frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := wgtrain("help")
	if code != 0 || !strings.Contains(out, "usage: wgtrain") {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}
