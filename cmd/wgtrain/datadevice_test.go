package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataOnDeviceWebGPUSameRun trains on Fashion-MNIST through WebGPU
// with augmentation twice: the training images held on the device (the
// default there), then every batch made on the host and uploaded. The
// checkpoints and the test predictions are the same byte for byte, and only the first run says it
// held the images.
func TestDataOnDeviceWebGPUSameRun(t *testing.T) {
	needFashionMNIST(t)
	needWebGPU(t)
	dir := t.TempDir()
	var said [2]string
	for i, mode := range []string{"auto", "off"} {
		_, said[i] = mustTrain(t, smallRun(filepath.Join(dir, mode), "--backend", "webgpu", "--augment", "--width", "2",
			"--train-limit", "256", "--batch-size", "32", "--epochs", "1", "--quiet=false", "--data-on-device", mode)...)
	}
	const note = "training images on the device"
	if !strings.Contains(said[0], note) || strings.Contains(said[1], note) {
		t.Errorf("--data-on-device auto said:\n%s\n--data-on-device off said:\n%s", said[0], said[1])
	}
	for _, f := range []string{"checkpoints/last.safetensors", "checkpoints/best.safetensors", "predictions/test.csv"} {
		a, errA := os.ReadFile(filepath.Join(dir, "auto", f))
		b, errB := os.ReadFile(filepath.Join(dir, "off", f))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between the batches made on the device and on the host", f)
		}
	}
}

// TestDataOnDeviceBadFlag checks that an unknown --data-on-device is a
// usage error naming the flag.
func TestDataOnDeviceBadFlag(t *testing.T) {
	code, _, errOut := wgtrain(smallRun(t.TempDir(), "--data-on-device", "gpu")...)
	if code != 2 || !strings.Contains(errOut, `--data-on-device "gpu": want auto, on or off`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
