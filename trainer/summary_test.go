package trainer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// Every run logs the same keys, whatever picks the best epoch.
func TestLoggedKeys(t *testing.T) {
	ce := []graph.Criterion{graph.CrossEntropy{}}
	keys, err := trainer.LoggedKeys(10, ce)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"loss", "accuracy01", "accuracy03", "accuracy05", "f1/_micro", "f1/_macro", "precision/_weighted",
		"recall/class_09", "precision/class_00", "support/class_05", "f1/class_03"} {
		if !slices.Contains(keys, k) {
			t.Errorf("10 classes: %s is not logged: %v", k, keys)
		}
	}
	if len(keys) != 1+3+9+4*10 || !slices.IsSorted(keys) {
		t.Errorf("10 classes, one criterion: %d keys (sorted: %v), want 53", len(keys), slices.IsSorted(keys))
	}
	two, _ := trainer.LoggedKeys(3, []graph.Criterion{graph.CrossEntropy{}, graph.SigmoidFocal{Spec: ops.DefaultFocal}})
	if !slices.Contains(two, "loss_ce") || !slices.Contains(two, "loss_focal") || slices.Contains(two, "accuracy03") {
		t.Errorf("3 classes, two criteria: %v", two)
	}
	if _, err := trainer.LoggedKeys(0, ce); err == nil {
		t.Error("LoggedKeys(0 classes) gave no error")
	}
	list := trainer.KeyList(keys)
	for _, want := range []string{"accuracy01, accuracy03, accuracy05, f1/_macro", "loss", "recall/_weighted",
		"f1/class_00 ... f1/class_09", "support/class_00 ... support/class_09"} {
		if !strings.Contains(list, want) {
			t.Errorf("KeyList lacks %q: %s", want, list)
		}
	}
	if strings.Contains(list, "class_05") {
		t.Errorf("KeyList lists every class: %s", list)
	}
}

// Off a terminal, each loader pass prints a line every ProgressInterval
// with the step, the speed, the loss and the time left.
func TestRunPrintsProgressLinesOffTerminal(t *testing.T) {
	for _, tc := range []struct {
		interval   time.Duration
		trainLines int
	}{{time.Nanosecond, 8}, {time.Hour, 0}} {
		var out bytes.Buffer
		cfg := toyConfig(t, t.TempDir(), 2)
		cfg.Progress, cfg.ProgressInterval = &out, tc.interval
		if _, err := trainer.Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		line := regexp.MustCompile(`(?m)^epoch ([12])/2 train: step ([1-4])/4, \d+ img/s, loss \d+\.\d{4}, acc \d\.\d{4}, ETA \d+s$`)
		got := line.FindAllStringSubmatch(out.String(), -1)
		if len(got) != tc.trainLines {
			t.Errorf("interval %v: %d training progress lines, want %d:\n%s", tc.interval, len(got), tc.trainLines, out.String())
			continue
		}
		for i, m := range got {
			if m[1] != []string{"1", "2"}[i/4] || m[2] != []string{"1", "2", "3", "4"}[i%4] {
				t.Errorf("line %d: %q", i, m[0])
			}
		}
		if valid := strings.Count(out.String(), " valid: step "); (tc.trainLines > 0) != (valid > 0) {
			t.Errorf("interval %v: %d validation progress lines", tc.interval, valid)
		}
	}
}

// The report, its JSON, the confusion matrix and the predictions'
// metadata name the split and the epoch of the model they describe, and
// the end of the progress output shows that report.
func TestRunReportNamesSplitAndEpoch(t *testing.T) {
	for _, best := range []bool{true, false} {
		dir := t.TempDir()
		var out bytes.Buffer
		cfg := toyConfig(t, dir, 3)
		cfg.LoadBestOnEnd, cfg.Progress = best, &out
		res, err := trainer.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		epoch := 3
		if best {
			epoch = res.BestEpoch
		}
		if res.Report.Split != "valid" || res.Report.Epoch != epoch {
			t.Errorf("best %v: the report is of %q epoch %d, want valid epoch %d", best, res.Report.Split, res.Report.Epoch, epoch)
		}
		title := "Classification report: " + evalkit.Subject("valid", epoch) + "\n"
		txt, _ := os.ReadFile(filepath.Join(dir, "report.txt"))
		if !strings.HasPrefix(string(txt), title) {
			t.Errorf("report.txt begins %q, want %q", strings.SplitN(string(txt), "\n", 2)[0], title)
		}
		if !strings.Contains(out.String(), "finished in ") || !strings.Contains(out.String(), title) {
			t.Errorf("the progress output does not end with the report:\n%s", out.String())
		}
		var js struct {
			Split string `json:"split"`
			Epoch int    `json:"epoch"`
		}
		data, _ := os.ReadFile(filepath.Join(dir, "report.json"))
		if err := json.Unmarshal(data, &js); err != nil || js.Split != "valid" || js.Epoch != epoch {
			t.Errorf("report.json: %+v, %v", js, err)
		}
		rd := trainer.RunDir(dir)
		meta, err := evalkit.ReadPredictionsMeta(rd.Predictions("valid"), 4)
		if err != nil || meta == nil || meta.Split != "valid" || meta.Epoch != epoch || !slices.Equal(meta.Classes, cfg.ClassNames) {
			t.Errorf("predictions metadata %+v, %v", meta, err)
		}
		if rd.Report() != filepath.Join(dir, "report.txt") || rd.BestEpoch() != res.BestEpoch {
			t.Errorf("Report() = %s, BestEpoch() = %d; want report.txt and %d", rd.Report(), rd.BestEpoch(), res.BestEpoch)
		}
	}
	cfg := toyConfig(t, t.TempDir(), 1)
	cfg.Report = "test"
	if _, err := trainer.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), `"test"`) {
		t.Errorf("a report of a loader that is not run: %v", err)
	}
	if e := trainer.RunDir(t.TempDir()).BestEpoch(); e != 0 {
		t.Errorf("BestEpoch of an empty directory = %d", e)
	}
}
