package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/citest"
)

// needWebGPU skips (fails under CI) a test that needs a WebGPU adapter.
func needWebGPU(t *testing.T) {
	t.Helper()
	if len(gpu.Adapters()) == 0 {
		citest.Missing(t, "WebGPU", "no WebGPU adapter")
	}
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		t.Setenv("XDG_RUNTIME_DIR", os.TempDir()) // as main does
	}
}

// A --gpu-limits other than adapter or default is a usage error naming
// the flag, on every command that opens a backend; so is a bad
// WGTRAIN_GPU_LIMITS when the flag is not given, naming the variable.
func TestGPULimitsBadValue(t *testing.T) {
	dir := t.TempDir()
	commands := map[string][]string{
		"train":   {"train", "--backend", "cpu", "--logdir", filepath.Join(dir, "run")},
		"predict": {"predict", "--checkpoint", filepath.Join(dir, "none.safetensors"), "--out", filepath.Join(dir, "p.csv"), "--backend", "cpu"},
		"bench":   {"bench", "--backend", "cpu", "--steps", "1"},
	}
	for name, args := range commands {
		t.Setenv(gpu.LimitsEnv, "")
		code, _, errOut := wgtrain(append(args, "--gpu-limits", "max")...)
		if code != 2 || !strings.Contains(errOut, `--gpu-limits "max": want adapter or default`) {
			t.Errorf("%s --gpu-limits max: exit %d, stderr %q; want 2 naming the flag", name, code, errOut)
		}
		t.Setenv(gpu.LimitsEnv, "spec")
		code, _, errOut = wgtrain(args...)
		if code != 2 || !strings.Contains(errOut, gpu.LimitsEnv+`="spec"`) {
			t.Errorf("%s with %s=spec: exit %d, stderr %q; want 2 naming the variable", name, gpu.LimitsEnv, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused train created its run directory: %v", err)
	}
}

// bench --gpu-limits default runs on a device with the spec's default
// limits and says so in --json; the variable does the same when the flag
// is not given, and the flag wins over it.
func TestBenchGPULimits(t *testing.T) {
	needWebGPU(t)
	for _, c := range []struct {
		env  string
		flag []string
		want string
	}{
		{"", []string{"--gpu-limits", "default"}, "default"},
		{"default", nil, "default"},
		{"default", []string{"--gpu-limits", "adapter"}, "adapter"},
	} {
		t.Setenv(gpu.LimitsEnv, c.env)
		args := append([]string{"bench", "--backend", "webgpu", "--steps", "1", "--batch-size", "2", "--width", "1", "--json"}, c.flag...)
		code, out, errOut := wgtrain(args...)
		if code != 0 {
			t.Fatalf("%s=%q wgtrain %s: exit %d: %s", gpu.LimitsEnv, c.env, strings.Join(args, " "), code, errOut)
		}
		var res benchResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("bench --json printed %q: %v", out, err)
		}
		if res.GPULimits != c.want {
			t.Errorf("%s=%q %v: gpu_limits %q, want %q", gpu.LimitsEnv, c.env, c.flag, res.GPULimits, c.want)
		}
	}
}

// A short training run on WebGPU works under both limit sets and
// records the set in hparams.json; the run under the spec's defaults
// resumes elsewhere (here on the CPU, with the other set given): the
// limit set is the machine's business, not one of the run's settings.
func TestTrainWebGPUBothLimitSets(t *testing.T) {
	needFashionMNIST(t)
	needWebGPU(t)
	t.Setenv(gpu.LimitsEnv, "")
	for _, set := range []string{"adapter", "default"} {
		logdir := filepath.Join(t.TempDir(), set)
		mustTrain(t, smallRun(logdir, "--backend", "webgpu", "--gpu-limits", set, "--epochs", "1", "--batch-size", "32")...)
		h := readHparams(t, logdir)
		if h["gpu-limits"] != set || h["backend"] != "webgpu" {
			t.Fatalf(`--gpu-limits %s: hparams.json: "gpu-limits" %v, "backend" %v; want %q and "webgpu"`, set, h["gpu-limits"], h["backend"], set)
		}
		if set != "default" {
			continue
		}
		_, errOut := mustTrain(t, "train", "--resume", "--logdir", logdir, "--backend", "cpu", "--gpu-limits", "adapter", "--epochs", "2", "--quiet")
		if strings.Contains(errOut, "gpu-limits") {
			t.Errorf("resume with another --gpu-limits said %q; want nothing about it", errOut)
		}
		if _, ok := readHparams(t, logdir)["gpu-limits"]; ok {
			t.Errorf(`hparams.json of the run resumed on the CPU still has "gpu-limits"`)
		}
	}
}
