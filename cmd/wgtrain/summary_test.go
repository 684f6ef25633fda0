package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/gpu"
)

// summaryRun trains a tiny resnet9 on 64 Fashion-MNIST samples for the
// given epochs, validating on 64 held-out ones and predicting 32 test
// ones, and returns the run directory with the command's output.
func summaryRun(t *testing.T, epochs int, extra ...string) (logdir, stdout, stderr string) {
	t.Helper()
	needFashionMNIST(t)
	logdir = filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--width", "4", "--train-limit", "64", "--batch-size", "32", "--epochs", fmt.Sprint(epochs),
		"--valid-split", "200", "--valid-limit", "64", "--test-limit", "32", "--backend", "cpu", "--logdir", logdir}, extra...)
	code, stdout, stderr := wgtrain(args...)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	return logdir, stdout, stderr
}

// reportJSON reads a run's report.json.
func reportJSON(t *testing.T, path string) evalkit.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r evalkit.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// The default recipe logs precision, recall and F1, so --valid-metric
// f1/_micro works with it; the summary names the best model's epoch and
// valid metric, then the test split's accuracy and macro F1 with the
// report's path, and the report names the split and epoch it describes.
func TestTrainSummaryNamesTheBestModel(t *testing.T) {
	logdir, out, errOut := summaryRun(t, 2, "--valid-metric", "f1/_micro")
	var mj struct {
		Best    int     `json:"best_epoch"`
		Value   float64 `json:"best_value"`
		History []struct {
			ElapsedS float64 `json:"elapsed_s"`
		} `json:"history"`
	}
	data, _ := os.ReadFile(filepath.Join(logdir, "checkpoints", "metrics.json"))
	if err := json.Unmarshal(data, &mj); err != nil || mj.Best < 1 {
		t.Fatalf("metrics.json: %v, best epoch %d", err, mj.Best)
	}
	rep := reportJSON(t, filepath.Join(logdir, "report.json"))
	if rep.Split != "test" || rep.Epoch != mj.Best {
		t.Errorf("report.json describes %q epoch %d, want test epoch %d", rep.Split, rep.Epoch, mj.Best)
	}
	if len(mj.History) != 2 {
		t.Fatalf("metrics.json holds %d epochs, want 2", len(mj.History))
	}
	want := fmt.Sprintf("best model: epoch %d (valid f1/_micro %.4f)\ntest split: accuracy %.4f, macro F1 %.4f; report %s\n%straining time: %.1f s for 2 epochs\nrun directory %s\n",
		mj.Best, mj.Value, rep.Accuracy, rep.Macro.F1, filepath.Join(logdir, "report.txt"), thresholdsCVLine(t, logdir, evalkit.F1Micro), mj.History[1].ElapsedS, logdir)
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	title := fmt.Sprintf("Classification report: test split, epoch %d\n", mj.Best)
	if txt, _ := os.ReadFile(filepath.Join(logdir, "report.txt")); !strings.HasPrefix(string(txt), title) {
		t.Errorf("report.txt does not begin with %q:\n%s", title, txt)
	}
	if !strings.Contains(errOut, title) || strings.Contains(errOut, "final model") {
		t.Errorf("the progress output's report is not titled %q:\n%s", title, errOut)
	}
	header, _ := os.ReadFile(filepath.Join(logdir, "logs", "valid.csv"))
	for _, key := range []string{"f1/_micro", "precision/class_09", "support/class_00"} {
		if !strings.Contains(strings.SplitN(string(header), "\n", 2)[0], key) {
			t.Errorf("logs/valid.csv does not log %s with the default recipe", key)
		}
	}
}

// An unknown --valid-metric is a usage error that names the flag and
// lists the logged keys, before any work starts.
func TestTrainRejectsAnUnknownValidMetric(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := wgtrain("train", "--backend", "cpu", "--valid-metric", "nosuch", "--logdir", logdir, "--train-limit", "32")
	if code != 2 || out != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing", code, out)
	}
	for _, want := range []string{`--valid-metric "nosuch"`, "accuracy01", "f1/_micro", "recall/_weighted", "loss", "support/class_00 ... support/class_09"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
	}
	if _, err := os.Stat(logdir); err == nil {
		t.Errorf("the run directory was created")
	}
}

// Off a terminal, the progress output has a line during each epoch (every
// 30 s; here every nanosecond) with the step, the speed, the loss and the
// time left.
func TestTrainPrintsProgressLinesOffATerminal(t *testing.T) {
	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = time.Nanosecond
	_, _, errOut := summaryRun(t, 1)
	line := regexp.MustCompile(`(?m)^epoch 1/1 train: step ([12])/2, \d+ img/s, loss \d+\.\d{4}, acc \d\.\d{4}, ETA \d+s$`)
	if got := line.FindAllStringSubmatch(errOut, -1); len(got) != 2 || got[0][1] != "1" || got[1][1] != "2" {
		t.Errorf("training progress lines %q in:\n%s", got, errOut)
	}
	progressInterval = time.Hour
	if _, _, errOut = summaryRun(t, 1); strings.Contains(errOut, "train: step") {
		t.Errorf("progress lines within the interval:\n%s", errOut)
	}
}

// predict prints the accuracy and macro F1 of a labelled split, nothing
// with --quiet, and keeps the class names, split and epoch beside its
// output, so that report shows them.
func TestPredictScoresAndKeepsClassNames(t *testing.T) {
	logdir, _, _ := summaryRun(t, 1)
	ckpt := filepath.Join(logdir, "checkpoints", "best.safetensors")
	dir := t.TempDir()
	pred := filepath.Join(dir, "preds.csv")
	code, out, errOut := wgtrain("predict", "--checkpoint", ckpt, "--limit", "32", "--batch-size", "32", "--backend", "cpu", "--out", pred)
	if code != 0 {
		t.Fatalf("predict: exit %d: %s", code, errOut)
	}
	p, err := evalkit.ReadPredictions(pred)
	if err != nil {
		t.Fatal(err)
	}
	r, err := evalkit.NewReport(p.Target, p.Logits, p.Classes, nil, evalkit.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("test split: accuracy %.4f, macro F1 %.4f\n", r.Accuracy, r.Macro.F1); !strings.HasSuffix(out, want) || !strings.Contains(out, "wrote 32 predictions") {
		t.Errorf("predict printed %q, want it to end in %q", out, want)
	}
	code, out, errOut = wgtrain("predict", "--checkpoint", ckpt, "--limit", "32", "--backend", "cpu", "--out", filepath.Join(dir, "q.csv"), "--quiet")
	if code != 0 || out != "" {
		t.Errorf("predict --quiet: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, out, errOut = wgtrain("report", "--predictions", pred)
	if code != 0 || !strings.HasPrefix(out, "Classification report: test split, epoch 1\n") ||
		!strings.Contains(out, "T-shirt/top") || !strings.Contains(out, "Ankle boot") {
		t.Errorf("report on predict's output: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	if code, out, _ = wgtrain("report", "--predictions", pred, "--split", "holdout"); code != 0 || !strings.HasPrefix(out, "Classification report: holdout split, epoch 1\n") {
		t.Errorf("--split holdout: exit %d:\n%s", code, out)
	}
	// A file without metadata (as wgtrain wrote before): no names, no
	// split, no epoch.
	os.Remove(strings.TrimSuffix(pred, ".csv") + ".meta.json")
	if code, out, _ = wgtrain("report", "--predictions", pred); code != 0 || !strings.HasPrefix(out, "Classification report\n") || strings.Contains(out, "T-shirt/top") {
		t.Errorf("a file without metadata: exit %d:\n%s", code, out)
	}
	// Metadata that does not fit the file is an error naming it.
	os.WriteFile(strings.TrimSuffix(pred, ".csv")+".meta.json", []byte(`{"classes":["a","b"]}`), 0o644)
	if code, _, errOut = wgtrain("report", "--predictions", pred); code != 1 || !strings.Contains(errOut, "preds.meta.json") || !strings.Contains(errOut, "2 class names for 10 classes") {
		t.Errorf("metadata of 2 classes: exit %d, stderr %q", code, errOut)
	}
}

// report on the predictions of a run written before the metadata existed
// takes the split from the file name and the epoch from metrics.json.
func TestReportOnAnOlderRunNamesSplitAndEpoch(t *testing.T) {
	logdir, _, _ := summaryRun(t, 2)
	for _, split := range []string{"valid", "test"} {
		os.Remove(filepath.Join(logdir, "predictions", split+".meta.json"))
	}
	var mj struct {
		Best int `json:"best_epoch"`
	}
	data, _ := os.ReadFile(filepath.Join(logdir, "checkpoints", "metrics.json"))
	json.Unmarshal(data, &mj)
	code, out, errOut := wgtrain("report", "--predictions", filepath.Join(logdir, "predictions", "valid.csv"), "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r evalkit.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Split != "valid" || r.Epoch != mj.Best || mj.Best < 1 || r.Classes[0].Name != "T-shirt/top" {
		t.Errorf("report %q epoch %d (class 0 %q), %v; want valid epoch %d and the run's names", r.Split, r.Epoch, r.Classes[0].Name, err, mj.Best)
	}
}

// report --thresholds says that thresholds were applied and from which
// file, in every format, and the text report fits 80 columns with long
// class names and F-beta.
func TestReportNamesTheThresholdsFile(t *testing.T) {
	pred := writeTestPredictions(t, "p.csv", 300, 10, 5)
	th := filepath.Join(t.TempDir(), "th.json")
	if err := evalkit.WriteThresholds(th, &evalkit.ThresholdsFile{Thresholds: []float64{0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2}}); err != nil {
		t.Fatal(err)
	}
	names := "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"
	code, out, errOut := wgtrain("report", "--predictions", pred, "--thresholds", th, "--class-names", names, "--beta", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if lines := strings.Split(out, "\n"); lines[1] != "with the per-class thresholds of "+th {
		t.Errorf("the second line %q does not name %s", lines[1], th)
	}
	for i, line := range strings.Split(out, "\n")[2:] {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("line %d has %d columns: %q", i+3, n, line)
		}
	}
	for _, n := range strings.Split(names, ",") {
		if !strings.Contains(out, n+"  ") {
			t.Errorf("%q is not shown whole:\n%s", n, out)
		}
	}
	code, out, _ = wgtrain("report", "--predictions", pred, "--thresholds", th, "--format", "json")
	if r := (evalkit.Report{}); code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.ThresholdsFile != th || len(r.Thresholds) != 10 {
		t.Errorf("JSON: exit %d:\n%s", code, out)
	}
	code, out, errOut = wgtrain("report", "--predictions", pred, "--thresholds", th, "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "class,name,") || !strings.Contains(errOut, "per-class thresholds of "+th) {
		t.Errorf("CSV: exit %d, stderr %q", code, errOut)
	}
	if code, out, _ = wgtrain("report", "--predictions", pred); code != 0 || strings.Contains(out, "thresholds") {
		t.Errorf("without --thresholds: exit %d:\n%s", code, out)
	}
}

// With --backend webgpu the command names the adapter in one line and
// warns once when it is a software one (lavapipe here).
func TestWebGPUNamesTheAdapter(t *testing.T) {
	if len(gpu.Adapters()) == 0 {
		t.Skip("no WebGPU adapter")
	}
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		t.Setenv("XDG_RUNTIME_DIR", os.TempDir()) // as main does
	}
	logdir, _, _ := summaryRun(t, 1)
	code, _, errOut := wgtrain("predict", "--checkpoint", filepath.Join(logdir, "checkpoints", "best.safetensors"),
		"--limit", "32", "--batch-size", "32", "--backend", "webgpu", "--out", filepath.Join(t.TempDir(), "p.csv"), "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	named := regexp.MustCompile(`(?m)^wgtrain: using WebGPU on .+ \(\w+, [^)]+\)$`)
	software := strings.Contains(errOut, ", CPU)\n")
	if len(named.FindAllString(errOut, -1)) != 1 {
		t.Errorf("the adapter is not named in one line:\n%s", errOut)
	}
	if n := strings.Count(errOut, "warning:"); software && (n != 1 || !strings.Contains(errOut, "software adapter")) || !software && n != 0 {
		t.Errorf("software adapter %v, %d warnings:\n%s", software, n, errOut)
	}
}
