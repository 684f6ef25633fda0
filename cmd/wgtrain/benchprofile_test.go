package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// profileBackend opens a WebGPU backend with timestamp queries requested.
func profileBackend(t *testing.T) *gpu.Backend {
	t.Helper()
	g, err := gpu.New(gpu.Options{Profile: true})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// benchStepper is bench's resnet9 (width 4), Adam and a batch of 4
// synthetic images.
func benchStepper(t *testing.T, b ops.Backend) (*trainer.Stepper, trainer.Batch) {
	t.Helper()
	m, err := graph.NewResNet9(b, 3, 10, 4, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	opt, err := trainer.NewAdam(b, m.Trainable(), 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	s := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, Opt: opt, Seed: 1}
	t.Cleanup(func() { s.Close() })
	shape := ops.Shape{4, 3, 32, 32}
	bt := trainer.Batch{Images: make([]float32, shape.Numel()), Shape: shape, Labels: []int32{0, 1, 2, 3}}
	for i := range bt.Images {
		bt.Images[i] = float32(i%13) - 6
	}
	return s, bt
}

// Profiled training steps on the adapter (lavapipe in CI): the families'
// dispatch counts add up to the dispatches the backend recorded (counted
// apart from the profile), the families' commands to the step's
// commands, and, timed, the families' GPU times cover at least 90% of the
// step's measured GPU time, defined as the time from its first command's
// start to its last command's end by the same clock (what is left are the
// gaps between commands; idle time between steps is reported apart).
func TestBenchProfileAddsUp(t *testing.T) {
	g := profileBackend(t)
	s, bt := benchStepper(t, g)
	for i := range 2 {
		if _, err := s.Train(bt, i); err != nil {
			t.Fatal(err)
		}
	}
	const steps = 3
	if err := g.StartProfile(gpu.ProfileOptions{}); err != nil {
		t.Fatal(err)
	}
	before := g.Dispatches()
	st, err := profiledLoop(g, "train", steps, func(i int) (*trainer.PendingStep, error) { return s.Start(bt, 2+i) })
	if err != nil {
		t.Fatal(err)
	}
	recorded := g.Dispatches() - before
	p, err := g.StopProfile()
	if err != nil {
		t.Fatal(err)
	}
	tab := tabulate(p, "train", st)
	if tab.Steps != steps {
		t.Fatalf("table of %d steps, want %d", tab.Steps, steps)
	}
	var dispatches, commands, busy float64
	for _, r := range tab.Families {
		commands += r.Commands
		busy += r.GPUS
		if r.Family != "upload" && r.Family != "readback_copy" {
			dispatches += r.Commands
		}
	}
	if want := float64(recorded) / steps; dispatches != want || tab.Dispatches != want {
		t.Errorf("families hold %v dispatches per step, the table says %v, the backend recorded %v", dispatches, tab.Dispatches, want)
	}
	if want := tab.Dispatches + tab.Copies + tab.Uploads; commands != want || tab.Copies < 1 || tab.Uploads < 1 {
		t.Errorf("families hold %v commands per step, want %v dispatches + %v copies + %v uploads (at least one of each)", commands, tab.Dispatches, tab.Copies, tab.Uploads)
	}
	if !p.Timestamps {
		citest.Missing(t, "TIMESTAMP_QUERY", p.NoTimestampsWhy)
		return
	}
	t.Logf("per step: families %.3f ms, GPU first to last command %.3f ms, wall %.3f ms, idle between steps %.3f ms, host recording %.3f ms",
		busy*1e3, tab.GPUSpanS*1e3, tab.WallS*1e3, tab.IdleS*1e3, tab.RecordS*1e3)
	if math.Abs(busy-tab.GPUBusyS) > 1e-9 || !(busy > 0) || busy > tab.GPUSpanS*(1+1e-6) || busy < 0.9*tab.GPUSpanS {
		t.Errorf("families' GPU time %.4g s per step (table %.4g s), step's GPU time %.4g s: want the families within 10%% of it and not above", busy, tab.GPUBusyS, tab.GPUSpanS)
	}
	for _, r := range tab.Families {
		if r.Family == "upload" {
			continue
		}
		if !(r.GPUS > 0) {
			t.Errorf("family %s: %v s, want a positive time", r.Family, r.GPUS)
		}
	}
}

// The command: --profile --json carries the tables and the cost model;
// --count-only counts the same dispatches without times; bad flag
// combinations exit 2.
func TestBenchProfileCommand(t *testing.T) {
	profileBackend(t) // skip (or fail under CI) without an adapter
	args := []string{"bench", "--backend", "webgpu", "--width", "4", "--batch-size", "4", "--steps", "2", "--profile", "--json"}
	code, out, errOut := wgtrain(append(args, "--cost-model")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var timed benchResult
	if err := json.Unmarshal([]byte(out), &timed); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	p := timed.Profile
	if p == nil || p.Train == nil || p.Eval == nil || p.Train.Steps != 2 || p.Eval.Steps != 2 || len(p.CostModel) != len(gpuClasses) {
		t.Fatalf("profile %+v: want train and eval tables of 2 steps and %d cost model rows", p, len(gpuClasses))
	}
	for _, k := range []string{`"families":[{"family":"conv_forward","commands":`, `"gpu_s":`, `"gflop_per_s":`, `"gpu_idle_between_steps_s":`, `"host_record_s":`, `"cost_model":[{"gpu":"Apple M1-class`} {
		if !strings.Contains(out, k) {
			t.Errorf("no %s in %s", k, out)
		}
	}
	code, out, errOut = wgtrain(append(args, "--count-only")...)
	if code != 0 {
		t.Fatalf("--count-only: exit %d: %s", code, errOut)
	}
	var counted benchResult
	if err := json.Unmarshal([]byte(out), &counted); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	c := counted.Profile
	if c == nil || !c.CountOnly || c.Timestamps || c.Train.GPUBusyS != 0 || counted.TrainImagesPerS != 0 {
		t.Fatalf("--count-only profile %+v, images/s %v: want counts only", c, counted.TrainImagesPerS)
	}
	// lavapipe's per-submission budget splits no product at this size, so
	// both count the same dispatches and FLOPs.
	if c.Train.Dispatches != p.Train.Dispatches || c.Train.FLOPs != p.Train.FLOPs || c.Eval.Dispatches != p.Eval.Dispatches {
		t.Errorf("count-only: %v dispatches and %v FLOPs per step, %v per evaluation batch; timed: %v, %v, %v",
			c.Train.Dispatches, c.Train.FLOPs, c.Eval.Dispatches, p.Train.Dispatches, p.Train.FLOPs, p.Eval.Dispatches)
	}
	for _, bad := range [][]string{
		{"bench", "--count-only"},
		{"bench", "--cost-model"},
		{"bench", "--profile", "--cost-model", "--dispatch-us", "-1"},
		{"bench", "--profile", "--dispatch-us", "3"},
		{"bench", "--profile", "--backend", "cpu"},
	} {
		if code, _, errOut := wgtrain(bad...); code != 2 || !strings.Contains(errOut, "--") {
			t.Errorf("%v: exit %d (%q), want 2", bad, code, errOut)
		}
	}
}
