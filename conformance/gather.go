package conformance

// Gather: GatherImages against the host path it replaces, the batches of
// a datasets.Loader, bit for bit.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/ops"
)

// gatherCase is one loader configuration: images of c x h x w bytes,
// padded to pad (0: their own size), with the transform's options.
type gatherCase struct {
	count, c, h, w, pad, batch int
	mean, std                  []float32
	augment, noFlip            bool
}

func (g gatherCase) String() string {
	s := fmt.Sprintf("%dx%dx%dx%d_to%d_b%d", g.count, g.c, g.h, g.w, g.pad, g.batch)
	if g.augment {
		s += "_augment"
	}
	if g.noFlip {
		s += "_noflip"
	}
	return s
}

var gatherCases = []gatherCase{
	// Fashion-MNIST's shape and constants, with the crop and flip.
	{count: 40, c: 1, h: 28, w: 28, pad: 32, batch: 16, mean: []float32{0.2860}, std: []float32{0.3530}, augment: true},
	// CIFAR's, with the tutorial's per-channel constants, no augmentation.
	{count: 9, c: 3, h: 32, w: 32, batch: 4, mean: []float32{0.485, 0.456, 0.406}, std: []float32{0.229, 0.224, 0.225}},
	// Odd sizes (the image off-center by a half pixel), crops without flips.
	{count: 13, c: 3, h: 5, w: 7, pad: 10, batch: 5, mean: []float32{0.5, 0.25, 0.125}, std: []float32{0.3, 0.7, 0.9}, augment: true, noFlip: true},
	// No normalization: p/255 alone.
	{count: 7, c: 2, h: 3, w: 3, pad: 4, batch: 3, augment: true},
}

// Gather checks, on a backend with ops.GatherBackend, that GatherImages
// makes the same batches, bit for bit, as the host path of
// datasets.Loader from the same indices and draws, over two shuffled
// epochs; and that an index outside the store gives NaN. A backend
// without it has nothing to check.
func Gather(t TB, b ops.Backend) {
	t.Helper()
	gb, ok := b.(ops.GatherBackend)
	if !ok {
		t.Logf("%s has no GatherImages", b.Name())
		return
	}
	runCases(t, b, "", gatherCases, func(t TB, _ ops.Backend, g gatherCase) { gather(t, gb, g) })
}

func gather(t TB, b ops.GatherBackend, g gatherCase) {
	t.Helper()
	e := newEnv(t, b, "gather/"+g.String())
	defer e.close()
	split := &datasets.Split{Name: "train", C: g.c, H: g.h, W: g.w,
		Images: make([]uint8, g.count*g.c*g.h*g.w), Labels: make([]int32, g.count)}
	for i := range split.Images {
		split.Images[i] = uint8(e.rng.IntN(256))
	}
	tr := datasets.Transform{Mean: g.mean, Std: g.std, PadTo: g.pad, Augment: g.augment, NoFlip: g.noFlip}
	l, err := datasets.NewLoader(split, datasets.LoaderOptions{BatchSize: g.batch, Shuffle: true, Seed: 7, Transform: tr, Prefetch: -1})
	e.ok(err, "NewLoader")
	dt, ok := l.DeviceTransform()
	if !ok {
		t.Fatalf("the loader of %v has no device transform", g)
	}
	spec := ops.GatherSpec{Count: g.count, C: g.c, H: g.h, W: g.w, Pad: dt.Pad}
	store := e.labels(ops.PackBytes(split.Images))
	lut := e.tensor(ops.Shape{g.c, 256}, dt.LUT)
	for epoch := range 2 {
		it := l.Epoch(epoch, 0)
		for k := 0; ; k++ {
			batch, more, err := it.Next()
			e.ok(err, "Next")
			if !more {
				break
			}
			n := batch.Shape[0]
			smp := make([]int32, 2*n)
			for j, i := range batch.Index {
				dy, dx, flip := l.Draw(epoch, i)
				smp[2*j], smp[2*j+1] = int32(i), ops.GatherDraw(dy, dx, flip)
			}
			if k == 0 && epoch == 1 {
				smp[0] = int32(g.count) // past the end: NaN
			}
			what := fmt.Sprintf("GatherImages(epoch %d batch %d)", epoch, k)
			dst := e.junk(n, g.c, dt.OH, dt.OW)
			samples := e.alloc(ops.I32, ops.Shape{n, 2})
			e.ok(b.UploadInt(samples, smp), "UploadInt(samples)")
			e.ok(b.GatherImages(dst, store, lut, samples, spec), what)
			got := e.get(dst)
			per := len(got) / n
			for j := 0; j < n; j++ {
				for q := j * per; q < (j+1)*per; q++ {
					if j == 0 && k == 0 && epoch == 1 {
						if !math.IsNaN(float64(got[q])) {
							t.Errorf("%s: sample 0 has index %d of %d images: value %d is %v, want NaN", what, g.count, g.count, q, got[q])
							break
						}
						continue
					}
					if math.Float32bits(got[q]) != math.Float32bits(batch.Images[q]) {
						t.Errorf("%s: sample %d (image %d) value %d: got %v, the host path's %v (not the same batch bit for bit)",
							what, j, batch.Index[j], q-j*per, got[q], batch.Images[q])
						break
					}
				}
			}
		}
	}
}
