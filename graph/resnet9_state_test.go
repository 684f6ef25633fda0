package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// TestResNet9StateMatchesTheModel: the entries a checkpoint is checked
// against before a model is built are exactly those of the model built.
func TestResNet9StateMatchesTheModel(t *testing.T) {
	b := ops.NewCPU()
	for _, s := range [][3]int{{1, 7, 4}, {3, 10, 16}, {2, 1, 1}} {
		m, err := graph.NewResNet9(b, s[0], s[1], s[2], 0)
		if err != nil {
			t.Fatal(err)
		}
		want := m.Specs()
		got, err := graph.ResNet9State(s[0], s[1], s[2])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(got) != 58 {
			t.Fatalf("resnet9%v: ResNet9State has %d entries, the model %d (want 58)", s, len(got), len(want))
		}
		for i := range want {
			if got[i].Name != want[i].Name || got[i].Count != want[i].Count || !got[i].Shape.Equal(want[i].Shape) {
				t.Errorf("resnet9%v entry %d: ResNet9State says %+v, the model has %+v", s, i, got[i], want[i])
			}
		}
	}
}

// TestResNet9Bounds: sizes past the bounds are refused by the model, the
// spec and the reading of a state_dict's shapes alike, before anything is
// allocated (width 100000 would ask for terabytes).
func TestResNet9Bounds(t *testing.T) {
	b := ops.NewCPU()
	for _, c := range []struct {
		in, classes, width int
		want               string
	}{
		{1, 10, 100000, "width 100000: want 1 to 512"},
		{1, 10, 513, "width 513"},
		{1, 10, 0, "width 0"},
		{0, 10, 4, "0 input channels: want 1 to 1024"},
		{1025, 10, 4, "1025 input channels"},
		{1, 10001, 4, "10001 classes: want 1 to 10000"},
		{1, -1, 4, "-1 classes"},
	} {
		if _, err := graph.NewResNet9(b, c.in, c.classes, c.width, 0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewResNet9(%d, %d, %d): %v, want %q", c.in, c.classes, c.width, err, c.want)
		}
		if _, err := graph.ResNet9State(c.in, c.classes, c.width); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ResNet9State(%d, %d, %d): %v, want %q", c.in, c.classes, c.width, err, c.want)
		}
		shapes := map[string][]int{"0.0.weight": {c.width, c.in, 3, 3}, "6.3.weight": {c.classes, 8 * c.width}}
		_, _, _, err := graph.ResNet9Sizes(shapes)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), fmt.Sprintf("0.0.weight is [%d,%d,3,3]", c.width, c.in)) {
			t.Errorf("ResNet9Sizes(%v): %v, want %q and the shapes", shapes, err, c.want)
		}
	}
	if s, err := graph.ResNet9State(graph.MaxResNet9InChannels, graph.MaxResNet9Classes, graph.MaxResNet9Width); err != nil || len(s) != 58 {
		t.Errorf("the largest sizes: %d entries, %v", len(s), err)
	}
}

// TestForwardNil: a nil input or context is an error, not a panic.
func TestForwardNil(t *testing.T) {
	b := ops.NewCPU()
	m, err := graph.NewResNet9(b, 1, 2, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := b.Alloc(ops.F32, ops.Shape{1, 1, 32, 32})
	if _, err := m.Forward(graph.NewContext(b, false), nil); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("Forward of a nil input: %v", err)
	}
	if _, err := m.Forward(nil, x); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("Forward in a nil context: %v", err)
	}
}
