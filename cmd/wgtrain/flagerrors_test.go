package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/trainer"
)

// packagePrefixes are the prefixes of wgtrain's packages' errors, which a
// message about a flag should not carry.
var packagePrefixes = []string{"gpu:", "trainer:", "datasets:", "evalkit:", "safetensors:", "ops:"}

// badFlag is one bad command line: the exit status 2 and the flag named
// at the start of the message.
type badFlag struct {
	args []string
	want string // the message after "wgtrain COMMAND: "
}

// checkBadFlags runs each case and checks exit status 2, a message
// naming the flag, no package prefix, and a pointer to --help.
func checkBadFlags(t *testing.T, cases []badFlag) {
	t.Helper()
	for _, c := range cases {
		code, out, errOut := wgtrain(c.args...)
		first, _, _ := strings.Cut(errOut, "\n")
		if code != 2 || !strings.Contains(first, c.want) || !strings.Contains(errOut, "--help' for the flags") || out != "" {
			t.Errorf("wgtrain %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errOut, c.want)
		}
		for _, p := range packagePrefixes {
			if strings.Contains(" "+first, " "+p) {
				t.Errorf("wgtrain %q: %q carries the package prefix %q", c.args, first, p)
			}
		}
	}
}

// Every bad value of train's flags exits 2 naming the flag, before any
// work: no run directory is made.
func TestTrainBadFlagValuesNameTheFlag(t *testing.T) {
	logdir := filepath.Join(t.TempDir(), "run")
	missing := filepath.Join(t.TempDir(), "none.safetensors")
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A tiny run, should a check be missing; each case's flags come last
	// and win.
	train := func(args ...string) []string {
		return append([]string{"train", "--logdir", logdir, "--backend", "cpu", "--quiet", "--epochs", "1",
			"--width", "2", "--train-limit", "32", "--valid-split", "0", "--test-limit", "16"}, args...)
	}
	checkBadFlags(t, []badFlag{
		{train("--backend", "tpu"), `wgtrain train: --backend "tpu": want auto, webgpu or cpu`},
		{train("--gamma", "-2"), "wgtrain train: --gamma -2: want a finite positive factor"},
		{train("--gamma", "0"), "--gamma 0:"},
		{train("--milestones", "5,-1"), "wgtrain train: --milestones -1: want epoch numbers >= 0"},
		{train("--train-limit", "-5"), "wgtrain train: --train-limit -5: want a number of samples >= 0"},
		{train("--valid-limit", "-1"), "wgtrain train: --valid-limit -1:"},
		{train("--test-limit", "-1"), "wgtrain train: --test-limit -1:"},
		{train("--valid-split", "-1"), "wgtrain train: --valid-split -1:"},
		{train("--lr", "inf"), "wgtrain train: --lr +Inf: want a finite positive rate"},
		{train("--lr", "nan"), "wgtrain train: --lr NaN:"},
		{train("--long-tail", "inf"), "wgtrain train: --long-tail +Inf:"},
		{train("--long-tail", "0.5"), "wgtrain train: --long-tail 0.5:"},
		{train("--loss", "ce+focal", "--loss-weights", "-1,2"), "wgtrain train: --loss-weights -1,2: want finite weights >= 0"},
		{train("--loss", "ce+focal", "--loss-weights", "0,0"), "wgtrain train: --loss-weights 0,0: want at least one weight > 0"},
		{train("--loss", "ce+focal", "--loss-weights", "1,2,3"), "wgtrain train: --loss-weights: want two weights"},
		{train("--focal-gamma", "-1"), "wgtrain train: --focal-gamma -1:"},
		{train("--focal-alpha", "2"), "wgtrain train: --focal-alpha 2:"},
		{train("--width", "0"), "wgtrain train: --width 0:"},
		{train("--batch-size", "0"), "wgtrain train: --batch-size 0:"},
		{train("--init-from", missing), "wgtrain train: --init-from " + missing + ": no such file"},
		{train("--init-from", t.TempDir()), "is a directory, want a file"},
		{train("--dataset", "imagenet"), `unknown data set "imagenet" for --dataset`},
		{train("--logdir", filepath.Join(notDir, "run")), "wgtrain train: --logdir " + filepath.Join(notDir, "run") + ": " + notDir + " is not a directory"},
		{train("--data-dir", logdir+"-data"), "wgtrain train: --data-dir " + logdir + "-data does not hold fashion-mnist; looked in:"},
	})
	if _, err := os.Stat(logdir); err == nil {
		t.Errorf("a bad flag value left %s behind", logdir)
	}
}

// A --valid-split the data set cannot give is found after loading it,
// and is still a usage error naming the flag.
func TestValidSplitLargerThanTheData(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "run")
	ckpt := pytorchCheckpoint(t)
	out := filepath.Join(t.TempDir(), "p.csv")
	checkBadFlags(t, []badFlag{
		{[]string{"train", "--data-dir", fmnist, "--valid-split", "70000", "--logdir", logdir, "--backend", "cpu", "--quiet",
			"--epochs", "1", "--width", "2", "--train-limit", "32", "--test-limit", "16"},
			"wgtrain train: --valid-split 70000: want fewer than the 60000 training samples of fashion-mnist"},
		{[]string{"predict", "--data-dir", fmnist, "--checkpoint", ckpt, "--out", out, "--split", "valid", "--valid-split", "60000", "--backend", "cpu"},
			"wgtrain predict: --valid-split 60000: want fewer than the 60000 training samples"},
	})
	if _, err := os.Stat(logdir); err == nil {
		t.Errorf("a bad --valid-split left %s behind", logdir)
	}
}

// pytorchCheckpoint writes the PyTorch-initialized resnet9 of the
// testdata fixture as a checkpoint and returns its path.
func pytorchCheckpoint(t *testing.T) string {
	t.Helper()
	f, err := safetensors.ReadFile("testdata/pytorch_two_steps.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var init []safetensors.Tensor
	for _, x := range f.Tensors {
		if name, ok := strings.CutPrefix(x.Name, "init/"); ok {
			x.Name = name
			init = append(init, x)
		}
	}
	path := filepath.Join(t.TempDir(), "init.safetensors")
	if err := safetensors.WriteFile(path, init, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// The other commands' bad flag values exit 2 naming the flag too.
func TestOtherCommandsBadFlagValuesNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	ckpt := pytorchCheckpoint(t)
	preds := writeTestPredictions(t, "p.csv", 20, 3, 1)
	preds4 := writeTestPredictions(t, "p4.csv", 20, 4, 2)
	none := filepath.Join(dir, "none")
	noDir := filepath.Join(dir, "no", "x.csv")
	th := filepath.Join(dir, "th.json")
	if code, _, errOut := wgtrain("thresholds", "--tune", preds4, "--eval", preds4, "--objective", "accuracy", "--out", th); code != 0 {
		t.Fatalf("thresholds: exit %d: %s", code, errOut)
	}
	names := filepath.Join(dir, "names.txt")
	os.WriteFile(names, []byte("a\nb\n"), 0o644)
	out := filepath.Join(dir, "out.csv")
	checkBadFlags(t, []badFlag{
		{[]string{"predict", "--checkpoint", ckpt, "--out", out, "--backend", "tpu"}, `wgtrain predict: --backend "tpu"`},
		{[]string{"predict", "--checkpoint", ckpt, "--out", out, "--limit", "-1"}, "wgtrain predict: --limit -1:"},
		{[]string{"predict", "--checkpoint", ckpt, "--out", out, "--batch-size", "0"}, "wgtrain predict: --batch-size 0:"},
		{[]string{"predict", "--checkpoint", ckpt, "--out", out, "--valid-split", "-1"}, "wgtrain predict: --valid-split -1:"},
		{[]string{"predict", "--checkpoint", none, "--out", out}, "wgtrain predict: --checkpoint " + none + ": no such file"},
		{[]string{"predict", "--checkpoint", ckpt, "--out", noDir}, "wgtrain predict: --out " + noDir + ": no directory"},
		{[]string{"predict", "--checkpoint", ckpt, "--out", dir}, "wgtrain predict: --out " + dir + ": is a directory"},
		{[]string{"bench", "--backend", "tpu"}, `wgtrain bench: --backend "tpu"`},
		{[]string{"bench", "--width", "0"}, "wgtrain bench: --width 0:"},
		{[]string{"bench", "--width", "1000"}, "wgtrain bench: --width 1000:"},
		{[]string{"bench", "--steps", "0"}, "wgtrain bench: --steps 0:"},
		{[]string{"bench", "--batch-size", "-1"}, "wgtrain bench: --batch-size -1:"},
		{[]string{"report", "--predictions", none}, "wgtrain report: --predictions " + none + ": no such file"},
		{[]string{"report", "--predictions", preds, "--beta", "inf"}, "wgtrain report: --beta +Inf:"},
		{[]string{"report", "--predictions", preds, "--beta", "-1"}, "wgtrain report: --beta -1:"},
		{[]string{"report", "--predictions", preds, "--thresholds", none}, "wgtrain report: --thresholds " + none + ": no such file"},
		{[]string{"report", "--predictions", preds, "--thresholds", th}, "wgtrain report: --thresholds " + th + ": 4 thresholds, but --predictions " + preds + " has 3 classes"},
		{[]string{"report", "--predictions", preds, "--class-names-file", none}, "wgtrain report: --class-names-file " + none + ": no such file"},
		{[]string{"report", "--predictions", preds, "--class-names-file", names}, "wgtrain report: --class-names-file " + names + ": 2 class names for 3 classes"},
		{[]string{"report", "--predictions", preds, "--class-names", "a,b"}, "wgtrain report: --class-names: 2 class names for 3 classes"},
		{[]string{"report", "--predictions", preds, "--class-names", "a,,c"}, `wgtrain report: --class-names "a,,c": name 2 is empty`},
		{[]string{"report", "--predictions", preds, "--confusion-png", filepath.Join(dir, "no", "c.png")}, "wgtrain report: --confusion-png "},
		{[]string{"report", "--predictions", preds, "--format", "xml"}, `wgtrain report: --format "xml"`},
		{[]string{"thresholds", "--tune", none, "--eval", preds, "--objective", "accuracy"}, "wgtrain thresholds: --tune " + none + ": no such file"},
		{[]string{"thresholds", "--tune", preds, "--eval", none, "--objective", "accuracy"}, "wgtrain thresholds: --eval " + none + ": no such file"},
		{[]string{"thresholds", "--tune", preds, "--eval", preds, "--objective", "accuracy", "--out", noDir}, "wgtrain thresholds: --out " + noDir + ": no directory"},
		{[]string{"thresholds", "--tune", preds, "--eval", preds4, "--objective", "accuracy"}, "wgtrain thresholds: --tune " + preds + " has 3 classes, --eval " + preds4 + " has 4"},
		{[]string{"data", "download", "--dataset", "mnist", "--binary"}, "wgtrain data: --binary applies to cifar10 and cifar100 only"},
		{[]string{"data", "download", "--base-url", "example.com/data"}, `wgtrain data: --base-url "example.com/data": want an http:// or https:// URL`},
		{[]string{"data", "download", "--coarse"}, "unknown flag: --coarse"},
		{[]string{"data", "inspect", "--data-dir", dir}, "wgtrain data: --data-dir " + dir + " does not hold fashion-mnist; looked in:"},
	})
}

// A loss that turns NaN at a huge learning rate stops the run with one
// "trainer:" prefix, the epoch and step, and a hint naming --lr.
func TestNonFiniteLossSuggestsASmallerLearningRate(t *testing.T) {
	needFashionMNIST(t)
	code, _, errOut := wgtrain("train", "--lr", "1e30", "--width", "4", "--train-limit", "64", "--batch-size", "32", "--epochs", "1",
		"--valid-split", "0", "--test-limit", "32", "--backend", "cpu", "--logdir", filepath.Join(t.TempDir(), "run"), "--quiet")
	if code != 1 || !strings.Contains(errOut, "wgtrain train: trainer: epoch 1, step ") || !strings.Contains(errOut, "(not finite)") ||
		!strings.HasSuffix(errOut, "; try a smaller --lr than 1e+30\n") || strings.Count(errOut, "trainer:") != 1 {
		t.Errorf("--lr 1e30: exit %d, stderr %q", code, errOut)
	}
}

// A predictions file whose header lacks a column gets an error naming
// the column.
func TestPredictionsMissingColumnIsNamed(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ csv, want string }{
		{"index,logit_0,logit_1,logit_2\n0,1,2,3\n", `bad header: no "target" column`},
		{"index,target,logit_0,logit_2\n0,1,2,3\n", `bad header: no "logit_1" column`},
		{"index,target,logit_0,logit_1\n0,1,2,3\n1,2,3,4\n", `:3: target 2 outside the 2 classes [0, 2): the header has no "logit_2" column`},
	} {
		path := filepath.Join(dir, "p.csv")
		if err := os.WriteFile(path, []byte(c.csv), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := wgtrain("report", "--predictions", path)
		if code != 1 || !strings.Contains(errOut, c.want) || strings.Count(errOut, path) != 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit 1 and %q", c.csv, code, errOut, c.want)
		}
	}
}

// A read error names the file once: a data directory that lacks a file,
// a truncated data file.
func TestReadErrorsNameThePathOnce(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	for _, name := range []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"} {
		data, err := os.ReadFile(filepath.Join(fmnist, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "t10k-images-idx3-ubyte.gz" {
			data = data[:len(data)/2]
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// t10k-labels is missing: the line that names dir says what is missing.
	code, _, errOut := wgtrain("data", "inspect", "--data-dir", dir)
	line := dir + " (--data-dir): incomplete: missing t10k-labels-idx1-ubyte"
	if code != 2 || !strings.Contains(errOut, line+"\n") {
		t.Errorf("incomplete --data-dir: exit %d, stderr %q; want a line %q", code, errOut, line)
	}
	labels, err := os.ReadFile(filepath.Join(fmnist, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), labels, 0o644)
	code, _, errOut = wgtrain("data", "inspect", "--data-dir", dir)
	truncated := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
	if code != 1 || !strings.Contains(errOut, truncated+": offset ") || strings.Count(errOut, truncated) != 1 || strings.Count(errOut, "datasets:") != 1 {
		t.Errorf("a truncated file: exit %d, stderr %q", code, errOut)
	}
}

// bench warms evaluation up with one untimed batch, as the PyTorch side
// of scripts/compare_pytorch.py does, and reports how long it took.
func TestBenchWarmsUpEvaluation(t *testing.T) {
	evals := 0
	defer func(f func(*trainer.Stepper, trainer.Batch) (*trainer.PendingStep, error)) { benchEvalStep = f }(benchEvalStep)
	start := benchEvalStep
	benchEvalStep = func(s *trainer.Stepper, b trainer.Batch) (*trainer.PendingStep, error) {
		evals++
		return start(s, b)
	}
	code, out, errOut := wgtrain("bench", "--backend", "cpu", "--batch-size", "2", "--steps", "3", "--width", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if evals != 3+1 {
		t.Errorf("bench --steps 3 ran %d evaluation batches, want 3 timed after 1 warm-up", evals)
	}
	var r struct {
		FirstEval *float64 `json:"first_eval_s"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.FirstEval == nil || !(*r.FirstEval > 0) {
		t.Errorf("bench --json %s: no positive first_eval_s (%v)", out, err)
	}
	script, err := os.ReadFile("../../scripts/compare_pytorch.py")
	if err != nil {
		t.Fatal(err)
	}
	// The PyTorch side: one untimed evaluation batch before t0.
	if !strings.Contains(string(script), "model.eval()\n    with torch.no_grad():\n        model(x).argmax(1).cpu()\n        sync()\n        t0 = time.perf_counter()") {
		t.Error("scripts/compare_pytorch.py no longer warms evaluation up with one batch; warm wgtrain bench the same way")
	}
}
