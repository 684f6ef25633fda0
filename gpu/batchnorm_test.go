package gpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/ops"
)

// Batch norm's training forward and backward, plain and fused with ReLU,
// are two dispatches each (the statistics or gradient sums per chunk,
// then a pass whose every workgroup combines its channel's chunks and
// writes its chunk), one workgroup per chunk and channel: 5 images of
// 3 channels of 40x40 are 8,000 values per channel, two chunks. The
// results agree with the CPU backend's.
func TestBatchNormTwoPasses(t *testing.T) {
	g := profiled(t)
	cpu := ops.NewCPU()
	shape := []int{5, 3, 40, 40}
	n, c := 5*3*40*40, 3
	rng := rand.New(rand.NewPCG(3, 5))
	data := map[string][]float32{}
	for _, name := range []string{"x", "dy", "gamma", "beta"} {
		size := n
		if name == "gamma" || name == "beta" {
			size = c
		}
		v := make([]float32, size)
		for i := range v {
			v[i] = float32(rng.NormFloat64())*2 + 0.5
		}
		data[name] = v
	}
	data["rv"] = []float32{1, 1, 1}
	spec := ops.BatchNormSpec{Eps: 1e-5, Momentum: 0.1}
	outs := []string{"y", "mean", "inv", "rm", "rv", "dx", "dg", "db"}
	run := func(b ops.Backend, fused bool) map[string][]float32 {
		ts := map[string]*ops.Tensor{}
		for _, name := range []string{"x", "dy", "y", "dx"} {
			ts[name] = alloc(t, b, data[name], shape...)
		}
		for _, name := range []string{"gamma", "beta", "mean", "inv", "rm", "rv", "dg", "db"} {
			ts[name] = alloc(t, b, data[name], c)
		}
		defer func() {
			for _, x := range ts {
				b.Free(x)
			}
		}()
		if err := runBN(b, fused, ts, spec); err != nil {
			t.Fatal(err)
		}
		got := map[string][]float32{}
		for _, name := range outs {
			got[name] = get(t, b, ts[name])
		}
		return got
	}
	for _, fused := range []bool{false, true} {
		want := run(cpu, fused)
		for _, countOnly := range []bool{true, false} {
			if err := g.StartProfile(gpu.ProfileOptions{CountOnly: countOnly}); err != nil {
				t.Fatal(err)
			}
			got := run(g, fused)
			p, err := g.StopProfile()
			if err != nil {
				t.Fatal(err)
			}
			grad, train := "batchnorm_grad:partial", "batchnorm_train:apply"
			if fused {
				grad, train = "batchnorm_relu_grad:partial", "batchnorm_train:apply_relu"
			}
			var keys []string
			for _, cmd := range p.Commands {
				if cmd.Workgroups == 0 || !strings.HasPrefix(cmd.Key, "batchnorm") {
					continue // uploads, copies and zero fills
				}
				keys = append(keys, cmd.Key)
				if cmd.Workgroups != 2*uint64(c) {
					t.Errorf("fused=%v: %s: %d workgroups, want %d (2 chunks x %d channels)", fused, cmd.Key, cmd.Workgroups, 2*c, c)
				}
			}
			if wantKeys := []string{"batchnorm_stats:partial", train, grad, "batchnorm_dx"}; fmt.Sprint(keys) != fmt.Sprint(wantKeys) {
				t.Errorf("fused=%v, countOnly=%v: dispatches %v, want %v", fused, countOnly, keys, wantKeys)
			}
			if countOnly {
				continue
			}
			for _, name := range outs {
				w := want[name]
				for i := range w {
					if d := math.Abs(float64(got[name][i] - w[i])); !(d <= 1e-4*(1+math.Abs(float64(w[i])))) {
						t.Errorf("fused=%v: %s[%d] = %v, CPU %v", fused, name, i, got[name][i], w[i])
						break
					}
				}
			}
		}
	}
}

// runBN records batch norm's training forward and backward, or the
// fused batch norm + ReLU's.
func runBN(b ops.Backend, fused bool, t map[string]*ops.Tensor, spec ops.BatchNormSpec) error {
	if !fused {
		if err := b.BatchNormTrain(t["y"], t["mean"], t["inv"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], spec); err != nil {
			return err
		}
		return b.BatchNormBackward(t["dx"], t["dg"], t["db"], t["x"], t["dy"], t["mean"], t["inv"], t["gamma"])
	}
	f := b.(ops.BatchNormReLUBackend)
	if err := f.BatchNormReLUTrain(t["y"], t["mean"], t["inv"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], spec); err != nil {
		return err
	}
	return f.BatchNormReLUBackward(t["dx"], t["dg"], t["db"], t["x"], t["y"], t["dy"], t["mean"], t["inv"], t["gamma"])
}
