package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// report names the classes of the run that wrote the predictions file
// when no names are given.
func TestReportTakesTheRunsClassNames(t *testing.T) {
	run := t.TempDir()
	os.MkdirAll(filepath.Join(run, "predictions"), 0o755)
	pred := filepath.Join(run, "predictions", "test.csv")
	os.WriteFile(pred, []byte("index,target,logit_0,logit_1\n0,0,1,0\n1,1,0,1\n2,1,1,0\n"), 0o644)
	os.WriteFile(filepath.Join(run, "hparams.json"), []byte(`{"classes":["cat","dog"]}`), 0o644)
	code, out, errOut := wgtrain("report", "--predictions", pred)
	if code != 0 || !strings.Contains(out, " cat ") || !strings.Contains(out, " dog ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = wgtrain("report", "--predictions", pred, "--class-names", "a,b")
	if code != 0 || strings.Contains(out, " cat ") || !strings.Contains(out, " a ") {
		t.Fatalf("--class-names must win: exit %d, %q", code, out)
	}
	os.WriteFile(filepath.Join(run, "hparams.json"), []byte(`{"classes":["cat","dog","cow"]}`), 0o644)
	if code, out, _ = wgtrain("report", "--predictions", pred); code != 0 || strings.Contains(out, " cat ") {
		t.Fatalf("names of another class count must be ignored: exit %d, %q", code, out)
	}
}
