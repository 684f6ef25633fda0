package ops_test

import (
	"slices"
	"testing"

	"github.com/wgtrain/wgtrain/ops"
)

func TestViewLayout(t *testing.T) {
	offs, total := ops.ViewLayout([]ops.Shape{{3, 5}, {16}, {1}, {17}}, 16)
	if want := []int{0, 16, 32, 48}; !slices.Equal(offs, want) || total != 80 {
		t.Errorf("ViewLayout: offsets %v total %d, want %v and 80", offs, total, want)
	}
}

// hidden is a backend without views.
type hidden struct{ ops.Backend }

func TestAllocViewsCPU(t *testing.T) {
	c := ops.NewCPU()
	flat, views, err := ops.AllocViews(hidden{c}, []ops.Shape{{2}})
	if flat != nil || views != nil || err != nil {
		t.Errorf("AllocViews on a backend without views: %v %v %v, want nothing", flat, views, err)
	}
	flat, views, err = ops.AllocViews(c, []ops.Shape{{2, 3}, {5}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Fill(views[1], 7); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Download(flat)
	for i, v := range got {
		want := float32(0)
		if i >= 16 && i < 21 { // views[1] starts at the second 16-element line
			want = 7
		}
		if v != want {
			t.Errorf("flat[%d] = %v, want %v", i, v, want)
		}
	}
	c.Free(views[0]) // a view frees nothing
	if _, err := c.Download(views[1]); err != nil {
		t.Errorf("a view after another view was freed: %v", err)
	}
	for _, bad := range []struct {
		off   int
		shape ops.Shape
	}{{1, ops.Shape{1}}, {-16, ops.Shape{1}}, {16, ops.Shape{17}}, {0, ops.Shape{0}}} {
		if _, err := c.View(flat, bad.off, bad.shape); err == nil {
			t.Errorf("View(%v, %d, %v): no error", flat, bad.off, bad.shape)
		}
	}
	labels, _ := c.Alloc(ops.I32, ops.Shape{32})
	if _, err := c.View(labels, 0, ops.Shape{1}); err == nil {
		t.Errorf("View of an I32 tensor: no error")
	}
}
