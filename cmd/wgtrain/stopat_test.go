package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --stop-at with a target the first epoch reaches ends the run after it,
// with the normal end of run and the time to the target in the summary
// and metrics.json.
func TestTrainStopAtStopsAtTheTarget(t *testing.T) {
	logdir, out, _ := summaryRun(t, 3, "--quiet", "--stop-at", "accuracy01=0.0")
	var mj struct {
		History []struct {
			ElapsedS float64 `json:"elapsed_s"`
		} `json:"history"`
		StopAt struct {
			Key      string  `json:"key"`
			Value    float64 `json:"value"`
			Reached  bool    `json:"reached"`
			Epoch    int     `json:"epoch"`
			ElapsedS float64 `json:"elapsed_s"`
		} `json:"stop_at"`
	}
	data, err := os.ReadFile(filepath.Join(logdir, "checkpoints", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &mj); err != nil {
		t.Fatal(err)
	}
	if len(mj.History) != 1 || !mj.StopAt.Reached || mj.StopAt.Epoch != 1 || mj.StopAt.Key != "accuracy01" || mj.StopAt.ElapsedS != mj.History[0].ElapsedS {
		t.Fatalf("metrics.json: %d epochs, stop_at %+v; want 1, reached at epoch 1", len(mj.History), mj.StopAt)
	}
	for _, want := range []string{
		fmt.Sprintf("time to valid accuracy01 >= 0: %.1f s at epoch 1\n", mj.StopAt.ElapsedS),
		fmt.Sprintf("training time: %.1f s for 1 epoch\n", mj.History[0].ElapsedS),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(logdir, "predictions", "test.csv")); err != nil {
		t.Error(err)
	}
	// Resumed unchanged, the run is finished: the final evaluation only.
	code, out, errOut := wgtrain("train", "--resume", "--logdir", logdir, "--quiet")
	if code != 0 || !strings.Contains(out, "at epoch 1\n") || !strings.Contains(out, "for 1 epoch\n") {
		t.Errorf("resume: exit %d, %s%s", code, out, errOut)
	}
}

// A bad --stop-at is a usage error naming the flag, before any work.
func TestTrainRejectsABadStopAt(t *testing.T) {
	needFashionMNIST(t)
	for _, c := range []struct{ arg, want string }{
		{"nosuch=1", `"nosuch" is not a logged key`},
		{"accuracy01", "want KEY=VALUE"},
		{"accuracy01=x", `"x" is not a finite number`},
	} {
		logdir := filepath.Join(t.TempDir(), "run")
		code, out, errOut := wgtrain("train", "--backend", "cpu", "--stop-at", c.arg, "--logdir", logdir, "--train-limit", "32", "--quiet")
		if code != 2 || out != "" || !strings.Contains(errOut, "--stop-at") || !strings.Contains(errOut, c.want) {
			t.Errorf("--stop-at %s: exit %d, stdout %q, stderr %s; want 2 naming the flag and %q", c.arg, code, out, errOut, c.want)
		}
		if _, err := os.Stat(logdir); err == nil {
			t.Errorf("--stop-at %s: the run directory was created", c.arg)
		}
	}
}

// The direction of a --stop-at target: --minimize for --valid-metric's
// key, else smaller is better for loss keys only.
func TestParseStopAtDirection(t *testing.T) {
	keys := []string{"accuracy01", "f1/_micro", "loss", "loss_ce"}
	for _, c := range []struct {
		arg, metric string
		minimize    bool
		want        bool
	}{
		{"accuracy01=0.9", "accuracy01", false, false},
		{"loss=0.3", "loss", true, true},
		{"loss=0.3", "accuracy01", false, true},
		{"loss_ce=0.3", "accuracy01", false, true},
		{"f1/_micro=0.9", "loss", true, false},
	} {
		s, err := parseStopAt(c.arg, keys, c.metric, c.minimize)
		if err != nil || s == nil || s.Minimize != c.want {
			t.Errorf("%s with --valid-metric %s --minimize=%v: %+v, %v; want minimize %v", c.arg, c.metric, c.minimize, s, err, c.want)
		}
	}
}
