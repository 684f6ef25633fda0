package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/fileerr"
)

// showListDefaults makes --help show a list flag's default as it is
// typed, "0.5,0.5", rather than as pflag formats it, "[0.500000,0.500000]".
// Only the text of the default changes; the values parse as before.
func showListDefaults(fs *pflag.FlagSet) {
	fs.VisitAll(func(fl *pflag.Flag) {
		if _, ok := fl.Value.(pflag.SliceValue); !ok || !strings.HasPrefix(fl.DefValue, "[") {
			return
		}
		items := strings.Split(strings.Trim(fl.DefValue, "[]"), ",")
		for i, s := range items {
			if x, err := strconv.ParseFloat(s, 64); err == nil {
				items[i] = strconv.FormatFloat(x, 'g', -1, 64)
			}
		}
		if text := strings.Join(items, ","); text != "" {
			fl.DefValue = text
		}
	})
}

// checkBackend reports a --backend other than auto, webgpu or cpu, before
// any work starts.
func checkBackend(name string) error {
	switch name {
	case "auto", "webgpu", "cpu":
		return nil
	}
	return usagef("--backend %q: want auto, webgpu or cpu", name)
}

// gpuLimitsUsage is the help text of --gpu-limits.
const gpuLimitsUsage = "the WebGPU device limits to request: adapter (the adapter's own) or default (exactly the WebGPU spec's defaults, as on the most limited adapter, e.g. 8 storage buffers per stage, 128 MiB per binding); not given: $" + gpu.LimitsEnv + ", else adapter"

// addGPULimits adds --gpu-limits, and --precision (precision.go), to a
// command that opens a backend.
func addGPULimits(fs *pflag.FlagSet) {
	fs.String("gpu-limits", "", gpuLimitsUsage)
	addPrecision(fs)
}

// gpuOptions returns the gpu.Options that --gpu-limits (else the
// environment variable gpu.LimitsEnv) and --precision ask for: a bad value
// of any is a usage error naming it, before any work starts.
func gpuOptions(fs *pflag.FlagSet) (gpu.Options, error) {
	o, err := gpuLimitOptions(fs)
	if err != nil {
		return o, err
	}
	o.Precision, err = precisionFlag(fs)
	return o, err
}

// gpuLimitOptions is gpuOptions' --gpu-limits part.
func gpuLimitOptions(fs *pflag.FlagSet) (gpu.Options, error) {
	set, _ := fs.GetString("gpu-limits")
	if fs.Changed("gpu-limits") {
		if set != gpu.LimitsAdapter && set != gpu.LimitsDefault {
			return gpu.Options{}, usagef("--gpu-limits %q: want adapter or default", set)
		}
		return gpu.Options{Limits: set}, nil
	}
	if v := os.Getenv(gpu.LimitsEnv); v != "" && gpu.CheckLimitSet(v) != nil {
		return gpu.Options{}, usagef("%s=%q (the default of --gpu-limits): want adapter or default", gpu.LimitsEnv, v)
	}
	return gpu.Options{}, nil
}

// inputFile reports a file named by flag that is not there to be read:
// a usage error naming the flag. What is inside is checked by its reader.
func inputFile(flag, path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usagef("%s %s: no such file", flag, path)
	case err != nil:
		return usagef("%s %s: %s", flag, path, fileerr.Reason(err, path))
	case st.IsDir():
		return usagef("%s %s: is a directory, want a file", flag, path)
	}
	return nil
}

// outputFile reports a file named by flag that cannot be written because
// its directory is missing or it is a directory, before any work starts.
func outputFile(flag, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("%s %s: is a directory, want a file name", flag, path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usagef("%s %s: no directory %s", flag, path, dir)
	case err != nil:
		return usagef("%s %s: %s", flag, path, fileerr.Reason(err, dir))
	case !st.IsDir():
		return usagef("%s %s: %s is not a directory", flag, path, dir)
	}
	return nil
}
