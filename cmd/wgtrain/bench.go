package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// benchEvalStep starts one evaluation batch of bench, warm-up or timed
// (a variable, so that a test can count them).
var benchEvalStep = func(s *trainer.Stepper, b trainer.Batch) (*trainer.PendingStep, error) { return s.StartEval(b) }

// processStart is as close to the process's start as Go lets a program
// note it: package variables are initialized before any init function.
var processStart = time.Now()

func init() {
	register(command{name: "bench", summary: "time resnet9 training and evaluation steps on synthetic data", run: runBench})
}

// benchResult is the --json output of wgtrain bench.
type benchResult struct {
	Backend          string  `json:"backend"`
	Adapter          string  `json:"adapter"`
	GPULimits        string  `json:"gpu_limits,omitempty"` // the WebGPU limit set: adapter or default
	Precision        string  `json:"precision"`            // activation storage: f32 or f16
	BatchSize        int     `json:"batch_size"`
	Width            int     `json:"width"`
	Steps            int     `json:"steps"`
	TrainImagesPerS  float64 `json:"train_images_per_s"`
	EvalImagesPerS   float64 `json:"eval_images_per_s"`
	FirstStepSeconds float64 `json:"first_step_s"`
	// FirstEvalSeconds is the untimed warm-up evaluation batch's time.
	FirstEvalSeconds float64 `json:"first_eval_s"`
	PeakRSSMB        float64 `json:"peak_rss_mb"`
	// Profile is --profile's kernel-by-kernel profile (bench_profile.go).
	Profile *benchProfile `json:"profile,omitempty"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "[--backend auto|webgpu|cpu] [--gpu-limits adapter|default] [--precision f32|f16] [--batch-size N] [--steps S] [--width W] [--json] [--profile [--count-only] [--cost-model [--dispatch-us U]]]", stdout)
	backend := fs.String("backend", "auto", "auto (WebGPU on a hardware adapter, else CPU), webgpu or cpu")
	addGPULimits(fs)
	batch := fs.Int("batch-size", 32, "images per step")
	steps := fs.Int("steps", 20, "timed training steps (after 2 warm-up steps), and as many evaluation batches (after 1 warm-up batch), as scripts/compare_pytorch.py times PyTorch")
	width := fs.Int("width", 16, "resnet9 width")
	asJSON := fs.Bool("json", false, "print one JSON object")
	prof := addBenchProfileFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := prof.check(); err != nil {
		return err
	}
	switch {
	case *batch < 1:
		return usagef("--batch-size %d: want at least 1", *batch)
	case *steps < 1:
		return usagef("--steps %d: want at least 1", *steps)
	case *width < 1 || *width > 512:
		return usagef("--width %d: want 1..512", *width)
	}
	if err := checkBackend(*backend); err != nil {
		return err
	}
	gopt, err := gpuOptions(fs)
	if err != nil {
		return err
	}
	gopt.Profile = prof.on
	b, done, err := gpu.Select(*backend, gopt, stderr)
	if err != nil {
		return err
	}
	defer done()
	if err := prof.checkBackend(b); err != nil {
		return err
	}
	res := benchResult{Backend: b.Name(), Adapter: adapterName(b), BatchSize: *batch, Width: *width, Steps: *steps, Precision: gpu.PrecisionF32}
	if gopt.Precision != "" {
		res.Precision = gopt.Precision
	}
	if g, ok := b.(*gpu.Backend); ok {
		res.GPULimits = g.Limits().Set
	}
	m, err := graph.NewResNet9(b, 3, 10, *width, 0.2)
	if err != nil {
		return err
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(1, 2))); err != nil {
		return err
	}
	opt, err := trainer.NewAdam(b, m.Trainable(), 1e-3)
	if err != nil {
		return err
	}
	s := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, Opt: opt, Seed: 1}
	defer s.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	shape := ops.Shape{*batch, 3, 32, 32}
	bt := trainer.Batch{Images: make([]float32, shape.Numel()), Shape: shape, Labels: make([]int32, *batch)}
	for i := range bt.Images {
		bt.Images[i] = float32(rng.NormFloat64())
	}
	for i := range bt.Labels {
		bt.Labels[i] = int32(i % 10)
	}
	if prof.countOnly {
		if res.Profile, err = runBenchProfile(prof, b, s, bt, *steps); err != nil {
			return err
		}
		return writeBench(stdout, res, *asJSON)
	}
	if _, err := s.Train(bt, 0); err != nil {
		return err
	}
	res.FirstStepSeconds = time.Since(processStart).Seconds()
	if _, err := s.Train(bt, 1); err != nil {
		return err
	}
	timeIt := func(start func(i int) (*trainer.PendingStep, error)) (float64, error) {
		t0 := time.Now()
		var prev *trainer.PendingStep
		for i := 0; i < *steps; i++ {
			p, err := start(i)
			if err != nil {
				return 0, err
			}
			if prev != nil {
				if _, err := prev.Wait(); err != nil {
					return 0, err
				}
			}
			prev = p
		}
		if _, err := prev.Wait(); err != nil {
			return 0, err
		}
		return float64(*batch**steps) / time.Since(t0).Seconds(), nil
	}
	if res.TrainImagesPerS, err = timeIt(func(i int) (*trainer.PendingStep, error) { return s.Start(bt, i+2) }); err != nil {
		return err
	}
	// The first evaluation batch switches the stepper to evaluation mode
	// (and compiles its pipelines on WebGPU): a warm-up batch, untimed,
	// as PyTorch gets one in scripts/compare_pytorch.py.
	t0 := time.Now()
	warm, err := benchEvalStep(s, bt)
	if err != nil {
		return err
	}
	if _, err := warm.Wait(); err != nil {
		return err
	}
	res.FirstEvalSeconds = time.Since(t0).Seconds()
	if res.EvalImagesPerS, err = timeIt(func(int) (*trainer.PendingStep, error) { return benchEvalStep(s, bt) }); err != nil {
		return err
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		res.PeakRSSMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	if prof.on {
		if res.Profile, err = runBenchProfile(prof, b, s, bt, *steps); err != nil {
			return err
		}
	}
	return writeBench(stdout, res, *asJSON)
}

// writeBench prints bench's result, as one JSON object with asJSON.
func writeBench(stdout io.Writer, res benchResult, asJSON bool) error {
	if asJSON {
		data, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(data))
		return nil
	}
	limits := ""
	if res.GPULimits != "" {
		limits = ", " + res.GPULimits + " limits"
	}
	if res.Precision == gpu.PrecisionF16 {
		limits += ", f16 activations"
	}
	fmt.Fprintf(stdout, "backend %s (%s%s), resnet9 width %d, batch %d, %d steps\n", res.Backend, res.Adapter, limits, res.Width, res.BatchSize, res.Steps)
	if res.Profile == nil || !res.Profile.CountOnly {
		fmt.Fprintf(stdout, "train  %10.1f images/s\neval   %10.1f images/s\nfirst step finished %.2f s after start; the warm-up evaluation batch took %.3f s; peak RSS %.0f MB\n",
			res.TrainImagesPerS, res.EvalImagesPerS, res.FirstStepSeconds, res.FirstEvalSeconds, res.PeakRSSMB)
	}
	if res.Profile != nil {
		printProfile(stdout, res.Profile)
	}
	return nil
}

// adapterName describes the device a backend runs on.
func adapterName(b ops.Backend) string {
	if g, ok := b.(*gpu.Backend); ok {
		return g.Adapter().String()
	}
	if c, ok := b.(*ops.CPU); ok {
		return "CPU backend (" + c.Describe() + ")"
	}
	return b.Name()
}
