package trainer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/testfiles"
	"github.com/wgtrain/wgtrain/internal/tfevents"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// toySplit makes n 1x28x28 images of 4 classes: class c lights up the
// c-th quarter of the rows, plus noise, so a tiny resnet9 learns it.
func toySplit(name string, n int, seed uint64) *datasets.Split {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &datasets.Split{Name: name, C: 1, H: 28, W: 28, Images: make([]uint8, n*28*28), Labels: make([]int32, n)}
	for i := 0; i < n; i++ {
		c := i % 4
		s.Labels[i] = int32(c)
		img := s.Images[i*784 : (i+1)*784]
		for j := range img {
			v := rng.IntN(60)
			if j/28/7 == c {
				v += 150
			}
			img[j] = uint8(v)
		}
	}
	return s
}

func toyConfig(t *testing.T, dir string, epochs int) trainer.Config {
	t.Helper()
	b := ops.NewCPU()
	m, err := graph.NewResNet9(b, 1, 4, 2, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(9, 9))); err != nil {
		t.Fatal(err)
	}
	tf := datasets.Transform{Mean: []float32{0.3}, Std: []float32{0.3}, PadTo: 32}
	loader := func(s *datasets.Split, shuffle bool) *datasets.Loader {
		l, err := datasets.NewLoader(s, datasets.LoaderOptions{BatchSize: 16, Shuffle: shuffle, Seed: 5, Transform: tf})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	valid := loader(toySplit("valid", 32, 2), false)
	return trainer.Config{
		Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}, graph.SigmoidFocal{Spec: ops.DefaultFocal}},
		Weights: []float32{0.5, 0.5}, LR: 3e-3, Milestones: []int{2}, Gamma: 0.3, Epochs: epochs,
		Train: loader(toySplit("train", 64, 1), true), Eval: []trainer.Named{{Name: "valid", Loader: valid}},
		Valid: "valid", ValidMetric: "f1/_micro",
		Predict:    []trainer.Named{{Name: "valid", Loader: valid}},
		ClassNames: []string{"top", "upper", "lower", "bottom"}, LogDir: dir, Seed: 7, LoadBestOnEnd: true,
		Hparams: map[string]any{"lr": 3e-3},
	}
}

// TestRunWritesTheRunDirectory runs three epochs and checks every file of
// the run directory.
func TestRunWritesTheRunDirectory(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig(t, dir, 3)
	res, err := trainer.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"checkpoints/best.safetensors", "checkpoints/last.safetensors", "checkpoints/resume.safetensors",
		"checkpoints/metrics.json", "logs/train.csv", "logs/valid.csv", "logs/epoch.csv", "hparams.json",
		"predictions/valid.csv", "report.txt", "report.json", "confusion_matrix.png", "curves.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	// The exported layout names the same files.
	rd := trainer.RunDir(dir)
	if p := rd.Predictions("valid"); p != filepath.Join(dir, "predictions", "valid.csv") || trainer.PredictionsRunDir(p) != rd {
		t.Errorf("Predictions(valid) = %s, its run directory %s", p, trainer.PredictionsRunDir(p))
	}
	if h := rd.Hparams(); h != filepath.Join(dir, "hparams.json") || rd.ClassNames() != nil {
		t.Errorf("Hparams() = %s, ClassNames() = %q (none recorded)", h, rd.ClassNames())
	}
	os.WriteFile(rd.Hparams(), []byte(`{"lr":0.003,"`+trainer.HparamsClasses+`":["a","b"]}`), 0o644)
	if got := rd.ClassNames(); strings.Join(got, ",") != "a,b" {
		t.Errorf("ClassNames() = %q, want [a b]", got)
	}
	// CSV logs: a header of step and sorted keys, one row per epoch.
	for _, name := range []string{"train", "valid"} {
		rows := readCSV(t, filepath.Join(dir, "logs", name+".csv"))
		if len(rows) != 4 || rows[0][0] != "step" || !sort.StringsAreSorted(rows[0][1:]) {
			t.Fatalf("%s.csv: %d rows, header %v", name, len(rows), rows[0])
		}
		for _, want := range []string{"loss", "loss_ce", "loss_focal", "accuracy01", "f1/_micro", "precision/class_03", "support/class_00"} {
			if !slices.Contains(rows[0], want) {
				t.Errorf("%s.csv lacks column %s: %v", name, want, rows[0])
			}
		}
		for i, r := range rows[1:] {
			if r[0] != []string{"1", "2", "3"}[i] || len(r) != len(rows[0]) {
				t.Errorf("%s.csv row %d: %v", name, i+1, r)
			}
		}
	}
	if rows := readCSV(t, filepath.Join(dir, "logs", "epoch.csv")); len(rows) != 4 || rows[3][1] != "0.0009" {
		t.Errorf("epoch.csv = %v, want lr 0.003, 0.003, 0.0009", rows)
	}
	// TensorBoard: valid CRCs, per-epoch and per-batch scalars, the
	// confusion matrix as a PNG.
	tags := map[string][]int64{}
	images := 0
	for _, name := range []string{"train", "valid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "tensorboard", name, "events.out.tfevents.*"))
		if len(files) != 1 {
			t.Fatalf("tensorboard/%s: %d event files", name, len(files))
		}
		data, _ := os.ReadFile(files[0])
		recs, err := tfevents.ReadRecords(data)
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range recs {
			ev, err := tfevents.DecodeEvent(rec)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 && ev.Version != "brain.Event:2" {
				t.Errorf("first event of %s is not the file version: %+v", name, ev)
			}
			for _, v := range ev.Values {
				tags[name+":"+v.Tag] = append(tags[name+":"+v.Tag], ev.Step)
				if v.Image != nil {
					images++
					if _, err := png.Decode(bytes.NewReader(v.Image.PNG)); err != nil {
						t.Errorf("image %s: %v", v.Tag, err)
					}
				}
			}
		}
	}
	if got := tags["train:loss/batch"]; len(got) != 12 || got[0] != 16 || got[11] != 192 {
		t.Errorf("train loss/batch at steps %v, want 12 batches at 16, 32, ... 192 samples", got)
	}
	if got := tags["valid:f1/_micro/epoch"]; len(got) != 3 || got[2] != 3 {
		t.Errorf("valid f1/_micro/epoch at %v", got)
	}
	if images != 6 {
		t.Errorf("%d confusion matrix images, want one per loader per epoch (6)", images)
	}
	// metrics.json names the best epoch, and best.safetensors holds that
	// epoch's weights: a run stopped after that epoch ends with them.
	var mj struct {
		Best    int               `json:"best_epoch"`
		History []json.RawMessage `json:"history"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "checkpoints", "metrics.json"))
	if err := json.Unmarshal(data, &mj); err != nil || mj.Best != res.BestEpoch || len(mj.History) != 3 {
		t.Fatalf("metrics.json: %v, best %d, %d epochs", err, mj.Best, len(mj.History))
	}
	dir2 := t.TempDir()
	if _, err := trainer.Run(context.Background(), toyConfig(t, dir2, res.BestEpoch)); err != nil {
		t.Fatal(err)
	}
	sameFileTensors(t, filepath.Join(dir, "checkpoints", "best.safetensors"), filepath.Join(dir2, "checkpoints", "last.safetensors"))
	// The checkpoints reload into the model.
	m2, _ := graph.NewResNet9(ops.NewCPU(), 1, 4, 2, 0.2)
	if err := trainer.LoadState(filepath.Join(dir, "checkpoints", "last.safetensors"), m2); err != nil {
		t.Fatal(err)
	}
	// A second run into the same directory is refused without --resume.
	if _, err := trainer.Run(context.Background(), toyConfig(t, dir, 1)); err == nil || !strings.Contains(err.Error(), "resume") {
		t.Errorf("second run into a used directory: %v", err)
	}
}

// An interrupted run continues with Resume to exactly the weights of an
// uninterrupted one, on the CPU backend.
func TestRunResumesExactly(t *testing.T) {
	whole := t.TempDir()
	if _, err := trainer.Run(context.Background(), toyConfig(t, whole, 2)); err != nil {
		t.Fatal(err)
	}
	for _, stopAt := range []int{3, 4, 6, 8} { // mid-epoch, an epoch's end, mid-epoch 2, the last step
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		cfg := toyConfig(t, dir, 2)
		cfg.AfterStep = func(epoch, steps int, _ trainer.StepResult) {
			if steps == stopAt {
				cancel()
			}
		}
		if _, err := trainer.Run(ctx, cfg); !errors.Is(err, trainer.ErrInterrupted) {
			t.Fatalf("stop at %d: %v, want ErrInterrupted", stopAt, err)
		}
		cancel()
		cfg = toyConfig(t, dir, 2)
		cfg.Resume = true
		if _, err := trainer.Run(context.Background(), cfg); err != nil {
			t.Fatalf("resume after %d steps: %v", stopAt, err)
		}
		sameFileTensors(t, filepath.Join(whole, "checkpoints", "last.safetensors"), filepath.Join(dir, "checkpoints", "last.safetensors"))
		a, _ := os.ReadFile(filepath.Join(whole, "logs", "train.csv"))
		b, _ := os.ReadFile(filepath.Join(dir, "logs", "train.csv"))
		if !bytes.Equal(a, b) {
			t.Errorf("stop at %d: train.csv differs after resuming:\n%s\nvs\n%s", stopAt, a, b)
		}
	}
	// A changed setting is refused.
	cfg := toyConfig(t, whole, 3)
	cfg.Resume = true
	cfg.Hparams = map[string]any{"lr": 1e-2}
	if _, err := trainer.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), `"lr"`) {
		t.Errorf("resume with another lr: %v", err)
	}
}

func TestRunRejectsUnknownMetric(t *testing.T) {
	cfg := toyConfig(t, t.TempDir(), 1)
	cfg.ValidMetric = "f1/_mikro"
	_, err := trainer.Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), `unknown metric "f1/_mikro"`) || !strings.Contains(err.Error(), "f1/_micro") {
		t.Fatalf("err = %v", err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// sameFileTensors checks that two safetensors files hold bit-identical
// tensors.
func sameFileTensors(t *testing.T, a, b string) {
	t.Helper()
	if d := testfiles.SameTensors(t, a, b); d != "" {
		t.Fatal(d)
	}
}

// A non-finite loss stops the run with an error naming the epoch and the
// step.
func TestRunStopsOnNonFiniteLoss(t *testing.T) {
	cfg := toyConfig(t, t.TempDir(), 2)
	cfg.Weights = []float32{float32(math.NaN()), 0.5}
	_, err := trainer.Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "epoch 1") || !strings.Contains(err.Error(), "step 0") || !strings.Contains(err.Error(), "not finite") {
		t.Fatalf("err = %v, want the epoch, the step and the non-finite loss named", err)
	}
}
