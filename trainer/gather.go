package trainer

import (
	"fmt"
	"io"
	"slices"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/ops"
)

// The training data set on the device: with a backend that has
// ops.GatherBackend, the training split's bytes are uploaded once and
// every step uploads only its sample indices and augmentation draws; the
// backend makes the batch (ops.GatherImages) bit for bit as the loader
// would on the host, so a run's results do not depend on where the
// batches are made.

// Where Config.DataOnDevice puts the training images.
const (
	// DataAuto holds the training split on the device on a backend with
	// ops.GatherBackend other than the CPU (where uploads are copies in
	// memory and the loader's goroutine makes batches alongside the step).
	DataAuto = "auto"
	// DataDevice holds it on the device on any backend that can.
	DataDevice = "on"
	// DataHost makes every batch on the host and uploads it.
	DataHost = "off"
)

// imageStore is a loader's split held on the device as bytes.
type imageStore struct {
	images, lut *ops.Tensor
	spec        ops.GatherSpec
	loader      *datasets.Loader // the loader whose draws the batches take
	bare        *datasets.Loader // its batches without images
	samples     []int32          // the step's (index, draw) pairs, reused
}

// newImageStore uploads l's split to b when the mode and the backend
// allow it. It returns nil and why not when the batches stay on the
// host, and an error only when an upload fails.
func newImageStore(b ops.Backend, l *datasets.Loader, mode string) (*imageStore, string, error) {
	switch mode {
	case DataHost:
		return nil, "", nil
	case "", DataAuto, DataDevice:
	default:
		return nil, "", fmt.Errorf("trainer: data placement %q: want %s, %s or %s", mode, DataAuto, DataDevice, DataHost)
	}
	gb, ok := b.(ops.GatherBackend)
	if !ok {
		return nil, fmt.Sprintf("the %s backend cannot make batches", b.Name()), nil
	}
	if _, cpu := b.(*ops.CPU); cpu && mode != DataDevice {
		return nil, "", nil
	}
	dt, ok := l.DeviceTransform()
	if !ok {
		return nil, "the random resized crop is made on the host", nil
	}
	s := l.Split()
	spec := ops.GatherSpec{Count: s.Len(), C: s.C, H: s.H, W: s.W, Pad: dt.Pad}
	if n := int64(len(s.Images)); n > gb.MaxGatherBytes() {
		return nil, fmt.Sprintf("its %d bytes exceed the device's largest store of %d", n, gb.MaxGatherBytes()), nil
	}
	st := &imageStore{spec: spec, loader: l, bare: l.WithoutImages()}
	var err error
	if st.images, err = b.Alloc(ops.I32, ops.Shape{ops.GatherStoreWords(spec)}); err != nil {
		return nil, fmt.Sprintf("the device cannot hold its %d bytes: %v", len(s.Images), err), nil
	}
	if st.lut, err = b.Alloc(ops.F32, ops.Shape{s.C, 256}); err != nil {
		st.free()
		return nil, "", err
	}
	if err := b.UploadInt(st.images, ops.PackBytes(s.Images)); err != nil {
		st.free()
		return nil, "", err
	}
	if err := b.Upload(st.lut, dt.LUT); err != nil {
		st.free()
		return nil, "", err
	}
	return st, "", nil
}

// free gives the store's tensors back.
func (st *imageStore) free() {
	for _, t := range []*ops.Tensor{st.images, st.lut} {
		if t != nil {
			t.Owner().Free(t)
		}
	}
	st.images, st.lut = nil, nil
}

// batch returns the step's batch of the loader's batch b in epoch: its
// labels and shape, and the indices and draws the backend makes its
// images from.
func (st *imageStore) batch(b datasets.Batch, epoch int) Batch {
	st.samples = st.samples[:0]
	for _, i := range b.Index {
		dy, dx, flip := st.loader.Draw(epoch, i)
		st.samples = append(st.samples, int32(i), ops.GatherDraw(dy, dx, flip))
	}
	return Batch{Shape: ops.Shape(b.Shape[:]), Labels: b.Labels, Samples: st.samples, store: st}
}

// mirror returns the mirror image of b, a batch of the store: each
// sample's flip turned over, which mirrors the window the sample shows
// (its offsets are the centered ones in an evaluation loader's batches).
// b's samples may change: b has been uploaded when mirror is called.
func (st *imageStore) mirror(b Batch) Batch {
	for i := 1; i < len(b.Samples); i += 2 {
		b.Samples[i] ^= 1 << 16
	}
	return b
}

// gather makes the batch's images in x from its samples, uploading only
// the samples into smp (allocated or reallocated as the batch's size
// needs).
func (st *imageStore) gather(be ops.Backend, x *ops.Tensor, smp **ops.Tensor, samples []int32) error {
	n := x.Shape()[0]
	if *smp == nil || (*smp).Shape()[0] != n {
		if *smp != nil {
			be.Free(*smp)
		}
		var err error
		if *smp, err = be.Alloc(ops.I32, ops.Shape{n, 2}); err != nil {
			return err
		}
	}
	if err := be.UploadInt(*smp, samples); err != nil {
		return err
	}
	return be.(ops.GatherBackend).GatherImages(x, st.images, st.lut, *smp, st.spec)
}

// setupData holds the training split, and each evaluation and
// prediction loader's split, on the device when it can, and says once
// per loader on w why not when the placement asked for the device.
func (r *run) setupData(w io.Writer) error {
	say := func(name string, st *imageStore, why string) {
		if st != nil {
			if p := r.cfg.Progress; p != nil {
				fmt.Fprintf(p, "%s images on the device: %d bytes uploaded once; each step uploads its indices and draws\n", name, len(st.loader.Split().Images))
			}
		} else if why != "" && w != nil {
			fmt.Fprintf(w, "wgtrain: %s batches are made on the host and uploaded every step: %s\n", name, why)
		}
	}
	st, why, err := newImageStore(r.b, r.cfg.Train, r.cfg.DataOnDevice)
	if err != nil {
		return err
	}
	say("training", st, why)
	if st != nil {
		r.store, r.trainLoader = st, st.bare
	}
	r.stepper.stores = map[*datasets.Loader]*imageStore{}
	for _, n := range append(slices.Clone(r.cfg.Eval), r.cfg.Predict...) {
		if _, done := r.stepper.stores[n.Loader]; done || n.Loader == nil {
			continue
		}
		st, why, err := newImageStore(r.b, n.Loader, r.cfg.DataOnDevice)
		if err != nil {
			return err
		}
		say(n.Name, st, why)
		r.stepper.stores[n.Loader] = st // nil: made on the host
	}
	return nil
}

// freeData frees the run's image stores.
func (r *run) freeData() {
	if r.store != nil {
		r.store.free()
	}
	for _, st := range r.stepper.stores {
		if st != nil {
			st.free()
		}
	}
	r.stepper.stores = nil
}
