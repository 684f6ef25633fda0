package ops

import "testing"

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
