package ops

import (
	"math"
	"math/rand"
	"testing"
	"unsafe"
)

// dataOf returns the address of a CPU tensor's first element, to tell
// whether two tensors share storage.
func dataOf(t *Tensor) unsafe.Pointer {
	switch s := t.Storage().(type) {
	case []float32:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []int32:
		return unsafe.Pointer(unsafe.SliceData(s))
	}
	return nil
}

func mustAlloc(t *testing.T, c *CPU, dt DType, shape Shape) *Tensor {
	t.Helper()
	x, err := c.Alloc(dt, shape)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func upload(t *testing.T, c *CPU, x *Tensor, v []float32) {
	t.Helper()
	if err := c.Upload(x, v); err != nil {
		t.Fatal(err)
	}
}

func download(t *testing.T, c *CPU, x *Tensor) []float32 {
	t.Helper()
	v, err := c.Download(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCPUPoolReusesZeroedStorage(t *testing.T) {
	c := NewCPU()
	big := Shape{3, minChunk} // large enough for the parallel clear
	for _, shape := range []Shape{{4, 5}, big} {
		a := mustAlloc(t, c, F32, shape)
		if err := c.Fill(a, 7); err != nil {
			t.Fatal(err)
		}
		p := dataOf(a)
		c.Free(a)
		b := mustAlloc(t, c, F32, shape)
		if dataOf(b) != p {
			t.Errorf("%s: freed storage was not reused", shape)
		}
		for i, v := range download(t, c, b) {
			if v != 0 {
				t.Fatalf("%s: reused storage has %v at %d, want 0", shape, v, i)
			}
		}
	}
	a := mustAlloc(t, c, I32, Shape{6})
	if err := c.UploadInt(a, []int32{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	c.Free(a)
	b := mustAlloc(t, c, I32, Shape{2, 3})
	got, err := c.DownloadInt(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != 0 {
			t.Fatalf("reused i32 storage has %d at %d, want 0", v, i)
		}
	}
	// Another size or type never gets the storage.
	c.Free(b)
	if d := mustAlloc(t, c, I32, Shape{5}); dataOf(d) == dataOf(b) {
		t.Error("storage of 6 values reused for 5")
	}
	if d := mustAlloc(t, c, F32, Shape{6}); dataOf(d) == dataOf(b) {
		t.Error("i32 storage reused for f32")
	}
}

func TestCPUPoolFreeOfViewFreesNothing(t *testing.T) {
	c := NewCPU()
	a := mustAlloc(t, c, F32, Shape{2, 6})
	v, err := Reshape(a, Shape{3, 4})
	if err != nil {
		t.Fatal(err)
	}
	c.Free(v)
	b := mustAlloc(t, c, F32, Shape{12})
	if dataOf(b) == dataOf(a) {
		t.Fatal("Free of a view handed out its source's storage")
	}
	// The source itself can still be freed.
	c.Free(a)
	if d := mustAlloc(t, c, F32, Shape{4, 3}); dataOf(d) != dataOf(a) {
		t.Error("storage of a freed tensor was not reused after a view was freed")
	}
}

func TestCPUPoolDoubleFree(t *testing.T) {
	c := NewCPU()
	a := mustAlloc(t, c, F32, Shape{8})
	c.Free(a)
	c.Free(a)
	b := mustAlloc(t, c, F32, Shape{8})
	d := mustAlloc(t, c, F32, Shape{8})
	if dataOf(b) == dataOf(d) {
		t.Fatal("a doubly freed buffer was handed out twice")
	}
	c.Free(nil) // must not panic
}

func TestCPUPoolForeignTensor(t *testing.T) {
	c1, c2 := NewCPU(), NewCPU()
	a := mustAlloc(t, c1, F32, Shape{8})
	c2.Free(a)
	if b := mustAlloc(t, c2, F32, Shape{8}); dataOf(b) == dataOf(a) {
		t.Fatal("a backend pooled another backend's tensor")
	}
	c1.Free(a)
	if b := mustAlloc(t, c1, F32, Shape{8}); dataOf(b) != dataOf(a) {
		t.Error("the owner did not pool its tensor after a foreign Free")
	}
}

func TestCPUFillKeepsNegativeZero(t *testing.T) {
	c := NewCPU()
	a := mustAlloc(t, c, F32, Shape{5})
	for _, v := range []float32{float32(math.Copysign(0, -1)), 0, 3} {
		if err := c.Fill(a, v); err != nil {
			t.Fatal(err)
		}
		for _, got := range download(t, c, a) {
			if math.Float32bits(got) != math.Float32bits(v) {
				t.Fatalf("Fill(%v) wrote %v", v, got)
			}
		}
	}
}

// specials are the float32 values whose ReLU handling is easy to get
// wrong, mixed into random data.
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), math.Float32frombits(0xffc00000), // NaN with the sign bit
	math.Float32frombits(1), math.Float32frombits(0x80000001), // denormals
	math.MaxFloat32, -math.MaxFloat32,
}

func specialData(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		if rng.Intn(4) == 0 {
			d[i] = specials[rng.Intn(len(specials))]
		} else {
			d[i] = float32(rng.NormFloat64())
		}
	}
	return d
}

func TestReLUBitExact(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	c := NewCPU()
	for _, n := range []int{1, 7, 4*minChunk + 3} {
		xv, dyv := specialData(rng, n), specialData(rng, n)
		x, dy := mustAlloc(t, c, F32, Shape{n}), mustAlloc(t, c, F32, Shape{n})
		y, dx := mustAlloc(t, c, F32, Shape{n}), mustAlloc(t, c, F32, Shape{n})
		upload(t, c, x, xv)
		upload(t, c, dy, dyv)
		if err := c.ReLU(y, x); err != nil {
			t.Fatal(err)
		}
		if err := c.ReLUBackward(dx, y, dy); err != nil {
			t.Fatal(err)
		}
		yv, dxv := download(t, c, y), download(t, c, dx)
		for i, v := range xv {
			want := float32(0)
			if !(v <= 0) {
				want = v
			}
			if math.Float32bits(yv[i]) != math.Float32bits(want) {
				t.Fatalf("n=%d: relu(%v) = %v (bits %#x), want %v (bits %#x)", n, v, yv[i], math.Float32bits(yv[i]), want, math.Float32bits(want))
			}
			wantG := float32(0)
			if !(want <= 0) {
				wantG = dyv[i]
			}
			if math.Float32bits(dxv[i]) != math.Float32bits(wantG) {
				t.Fatalf("n=%d: relu backward at y=%v, dy=%v gave %v, want %v", n, want, dyv[i], dxv[i], wantG)
			}
		}
	}
}

// TestMaxPool2MatchesGeneric checks the 2x2 fast paths against the
// generic window search, on odd sizes, ties, signed zeros and NaNs (in
// the second round, none: then rows take the branch-free path, and
// planes 8 or a multiple of 16 wide the vector one).
func TestMaxPool2MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	c := NewCPU()
	shapes := []Shape{{2, 3, 4, 4}, {1, 2, 5, 7}, {3, 1, 6, 3}, {1, 1, 2, 2}, {2, 2, 32, 32}, {1, 3, 9, 17}, {3, 5, 8, 8}, {2, 3, 6, 16}, {1, 1, 2, 8}, {2, 1, 4, 48}, {1, 2, 16, 16}, {2, 1, 7, 9}}
	for round, sh := range append(shapes, shapes...) {
		n := sh.Numel()
		xv := specialData(rng, n)
		for i := range xv { // ties: small integers and signed zeros repeat
			switch {
			case rng.Intn(3) == 0:
				xv[i] = float32(rng.Intn(3))
			case rng.Intn(4) == 0:
				xv[i] = float32(math.Copysign(0, float64(rng.Intn(2)*2-1)))
			case round >= len(shapes) && xv[i] != xv[i]:
				xv[i] = float32(math.Copysign(0, -1))
			}
		}
		dyShape := Shape{sh[0], sh[1], sh[2] / 2, sh[3] / 2}
		dyv := specialData(rng, dyShape.Numel())
		x, dy := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, dyShape)
		y, dx := mustAlloc(t, c, F32, dyShape), mustAlloc(t, c, F32, sh)
		upload(t, c, x, xv)
		upload(t, c, dy, dyv)
		if err := c.Fill(dx, 9); err != nil { // stale values must be overwritten
			t.Fatal(err)
		}
		if err := c.MaxPool2D(y, x, 2); err != nil {
			t.Fatal(err)
		}
		if err := c.MaxPool2DBackward(dx, x, dy, 2); err != nil {
			t.Fatal(err)
		}
		yv, dxv := download(t, c, y), download(t, c, dx)
		h, w, oh, ow := sh[2], sh[3], dyShape[2], dyShape[3]
		wantDx := make([]float32, n)
		for p := range sh[0] * sh[1] {
			plane := xv[p*h*w : (p+1)*h*w]
			for oy := range oh {
				for ox := range ow {
					at := windowArgmax(plane, w, 2*oy, 2*ox, 2)
					o := p*oh*ow + oy*ow + ox
					if math.Float32bits(yv[o]) != math.Float32bits(plane[at]) {
						t.Fatalf("%s: max of window (%d,%d,%d) = %v, want %v", sh, p, oy, ox, yv[o], plane[at])
					}
					wantDx[p*h*w+at] = dyv[o]
				}
			}
		}
		for i := range wantDx {
			if math.Float32bits(dxv[i]) != math.Float32bits(wantDx[i]) {
				t.Fatalf("%s: dx[%d] = %v, want %v", sh, i, dxv[i], wantDx[i])
			}
		}
	}
}

// TestCPUResultsIndependentOfWorkers runs the element-wise, batch-norm,
// pooling, dropout and Adam kernels with 1, 3 and 8 workers and requires
// bit-identical results.
func TestCPUResultsIndependentOfWorkers(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	sh := Shape{6, 5, 36, 36} // 38880 values: several chunks and planes per worker
	ch := sh[1]
	xv := make([]float32, sh.Numel())
	for i := range xv {
		xv[i] = float32(rng.NormFloat64()*3 + 1)
	}
	dyv := make([]float32, sh.Numel())
	for i := range dyv {
		dyv[i] = float32(rng.NormFloat64())
	}
	run := func(workers int) [][]float32 {
		c := &CPU{workers: workers}
		x, dy := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
		upload(t, c, x, xv)
		upload(t, c, dy, dyv)
		y, dx := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
		vec := func() *Tensor { return mustAlloc(t, c, F32, Shape{ch}) }
		mean, inv, gamma, beta, rm, rv, dg, db := vec(), vec(), vec(), vec(), vec(), vec(), vec(), vec()
		upload(t, c, gamma, []float32{1, 0.5, 2, -1, 1.5})
		upload(t, c, beta, []float32{0, 1, -1, 0.25, 3})
		if err := c.Fill(rv, 1); err != nil {
			t.Fatal(err)
		}
		var out [][]float32
		keep := func(ts ...*Tensor) {
			for _, t2 := range ts {
				out = append(out, download(t, c, t2))
			}
		}
		check := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		check(c.BatchNormTrain(y, mean, inv, x, gamma, beta, rm, rv, DefaultBatchNorm))
		keep(y, mean, inv, rm, rv)
		check(c.BatchNormBackward(dx, dg, db, x, dy, mean, inv, gamma))
		keep(dx, dg, db)
		check(c.BatchNormEval(y, x, gamma, beta, rm, rv, DefaultBatchNorm))
		keep(y)
		check(c.ReLU(y, x))
		check(c.ReLUBackward(dx, y, dy))
		keep(y, dx)
		check(c.Add(y, x, dy))
		keep(y)
		check(c.Scale(y, x, 0.3))
		keep(y)
		check(c.Dropout(y, x, DropoutSpec{P: 0.3, Seed: 5, Step: 7}))
		keep(y)
		m, v := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
		check(c.Copy(y, x))
		check(c.Adam(y, dy, m, v, DefaultAdam(1e-2, 1)))
		check(c.Adam(y, x, m, v, DefaultAdam(1e-2, 2)))
		keep(y, m, v)
		ps := Shape{sh[0], sh[1], sh[2] / 2, sh[3] / 2}
		py, pdy := mustAlloc(t, c, F32, ps), mustAlloc(t, c, F32, ps)
		upload(t, c, pdy, dyv[:ps.Numel()])
		check(c.MaxPool2D(py, x, 2))
		check(c.MaxPool2DBackward(dx, x, pdy, 2))
		keep(py, dx)
		return out
	}
	want := run(1)
	for _, w := range []int{3, 8} {
		got := run(w)
		for i := range want {
			for j := range want[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("%d workers: output %d differs at %d: %v, want %v", w, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// TestBatchNormTrainAgainstFloat64 compares the batch statistics and
// output with a plain float64 two-pass computation.
func TestBatchNormTrainAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	sh := Shape{4, 3, 5, 7}
	n, ch, hw := sh[0], sh[1], sh[2]*sh[3]
	xv := make([]float32, sh.Numel())
	for i := range xv {
		xv[i] = float32(rng.NormFloat64()*2 + 100) // a large mean tests the two-pass variance
	}
	c := NewCPU()
	x, y := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
	upload(t, c, x, xv)
	vec := func() *Tensor { return mustAlloc(t, c, F32, Shape{ch}) }
	mean, inv, gamma, beta, rm, rv := vec(), vec(), vec(), vec(), vec(), vec()
	if err := c.Fill(gamma, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.BatchNormTrain(y, mean, inv, x, gamma, beta, rm, rv, DefaultBatchNorm); err != nil {
		t.Fatal(err)
	}
	yv, mv, iv := download(t, c, y), download(t, c, mean), download(t, c, inv)
	for k := range ch {
		var s, sq float64
		for i := range n {
			for _, v := range xv[(i*ch+k)*hw : (i*ch+k+1)*hw] {
				s += float64(v)
			}
		}
		mu := s / float64(n*hw)
		for i := range n {
			for _, v := range xv[(i*ch+k)*hw : (i*ch+k+1)*hw] {
				sq += (float64(v) - mu) * (float64(v) - mu)
			}
		}
		is := 1 / math.Sqrt(sq/float64(n*hw)+1e-5)
		if math.Abs(float64(mv[k])-mu) > 1e-5*math.Abs(mu) || math.Abs(float64(iv[k])-is) > 1e-5*is {
			t.Fatalf("channel %d: mean %v inv_std %v, want %v %v", k, mv[k], iv[k], mu, is)
		}
		for i := range n {
			for j := range hw {
				o := (i*ch+k)*hw + j
				want := (float64(xv[o]) - mu) * is
				if math.Abs(float64(yv[o])-want) > 1e-4 {
					t.Fatalf("y[%d] = %v, want %v", o, yv[o], want)
				}
			}
		}
	}
}
