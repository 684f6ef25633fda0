package trainer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/ops"
)

// smallStore is the CPU backend with room for a store of 100 bytes.
type smallStore struct{ *ops.CPU }

func (smallStore) MaxGatherBytes() int64 { return 100 }

// TestTrainDataFallsBack checks when the training batches stay on the
// host, and that the run says why, once, when the device was asked for.
func TestTrainDataFallsBack(t *testing.T) {
	s := &datasets.Split{Name: "train", C: 1, H: 28, W: 28, Images: make([]uint8, 4*784), Labels: make([]int32, 4)}
	loader := func(tf datasets.Transform) *datasets.Loader {
		l, err := datasets.NewLoader(s, datasets.LoaderOptions{BatchSize: 2, Transform: tf})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	plain := loader(datasets.Transform{PadTo: 32, Augment: true})
	resized := loader(datasets.Transform{PadTo: 32, Augment: true, ResizedCrop: true})
	cpu := ops.NewCPU()
	for _, c := range []struct {
		name string
		b    ops.Backend
		l    *datasets.Loader
		mode string
		held bool
		says string
	}{
		{"cpu auto", cpu, plain, DataAuto, false, ""},
		{"cpu off", cpu, plain, DataHost, false, ""},
		{"cpu on", cpu, plain, DataDevice, true, ""},
		{"resized crop", cpu, resized, DataDevice, false, "resized crop is made on the host"},
		{"too large", smallStore{cpu}, plain, DataDevice, false, "3136 bytes exceed the device's largest store of 100"},
	} {
		var w bytes.Buffer
		r := &run{b: c.b, cfg: Config{Train: c.l, DataOnDevice: c.mode}, stepper: &Stepper{}}
		if err := r.setupData(&w); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if held := r.store != nil; held != c.held || (r.trainLoader != nil) != c.held {
			t.Errorf("%s: images held on the device: %v, want %v", c.name, held, c.held)
		}
		r.freeData()
		got := w.String()
		if c.says == "" && got != "" || c.says != "" && (!strings.Contains(got, c.says) || strings.Count(got, "\n") != 1) {
			t.Errorf("%s: said %q, want one line with %q", c.name, got, c.says)
		}
	}
}
