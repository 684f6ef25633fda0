package trainer_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/gputest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// augmentedToyConfig is toyConfig with the random crop and flip on the
// training loader, placing its batches as mode says.
func augmentedToyConfig(t *testing.T, dir, mode string, progress *bytes.Buffer) trainer.Config {
	t.Helper()
	cfg := toyConfig(t, dir, 2)
	tf := datasets.Transform{Mean: []float32{0.3}, Std: []float32{0.3}, PadTo: 32, Augment: true}
	l, err := datasets.NewLoader(cfg.Train.Split(), datasets.LoaderOptions{BatchSize: 16, Shuffle: true, Seed: 5, Transform: tf})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Train, cfg.DataOnDevice, cfg.Progress, cfg.Warn = l, mode, progress, progress
	return cfg
}

// TestDataOnDeviceSameRun trains twice on the CPU backend with
// augmentation (and, the second time, with the flip's test-time
// augmentation), the batches made by GatherImages from the images held
// as bytes, then by the loader on the host: the checkpoints and the
// predictions are the same byte for byte, and only the first run says
// it held the images.
func TestDataOnDeviceSameRun(t *testing.T) {
	for _, tta := range []trainer.TTA{trainer.TTANone, trainer.TTAFlip} {
		t.Run(string(tta), func(t *testing.T) { sameRun(t, nil, trainer.DataDevice, tta) })
	}
}

// TestWebGPUDataOnDeviceSameRun is TestDataOnDeviceSameRun on the WebGPU
// backend, where the default placement (auto) holds the images.
func TestWebGPUDataOnDeviceSameRun(t *testing.T) {
	g := gputest.Backend(t)
	sameRun(t, g, trainer.DataAuto, trainer.TTAFlip)
}

// sameRun trains the toy model twice, on b (nil: the CPU), with the
// images held as mode says, then on the host, and compares the runs.
func sameRun(t *testing.T, b ops.Backend, mode string, tta trainer.TTA) {
	dir := t.TempDir()
	var says [2]bytes.Buffer
	for i, mode := range []string{mode, trainer.DataHost} {
		cfg := augmentedToyConfig(t, filepath.Join(dir, fmt.Sprint(i)), mode, &says[i])
		cfg.TTA = tta
		if b != nil {
			m, err := graph.NewResNet9(b, 1, 4, 2, 0.2)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.InitPyTorch(b, rand.New(rand.NewPCG(9, 9))); err != nil {
				t.Fatal(err)
			}
			cfg.Model = m
		}
		if _, err := trainer.Run(context.Background(), cfg); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
	for _, note := range []string{"training images on the device", "valid images on the device"} {
		if !strings.Contains(says[0].String(), note) || strings.Contains(says[1].String(), note) {
			t.Errorf("the runs on the device and on the host said:\n%s\n---\n%s", says[0].String(), says[1].String())
		}
	}
	// resume.safetensors holds the elapsed time, which differs.
	for _, f := range []string{"checkpoints/last.safetensors", "checkpoints/best.safetensors", "predictions/valid.csv", "logs/valid.csv"} {
		x, errX := os.ReadFile(filepath.Join(dir, "0", f))
		y, errY := os.ReadFile(filepath.Join(dir, "1", f))
		if errX != nil || errY != nil {
			t.Fatal(errX, errY)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between the batches made on the device and on the host", f)
		}
	}
}

// TestDataOnDeviceBadPlacement checks that an unknown placement is an
// error naming it.
func TestDataOnDeviceBadPlacement(t *testing.T) {
	cfg := toyConfig(t, t.TempDir(), 1)
	cfg.DataOnDevice = "gpu"
	if _, err := trainer.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), `"gpu"`) {
		t.Fatalf("Run with placement gpu: %v", err)
	}
}

var _ ops.GatherBackend = ops.NewCPU()
