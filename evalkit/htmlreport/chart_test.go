package htmlreport

import "testing"

// The best epoch's label stays inside the plot: right of its line in the
// left half, left of it in the right half.
func TestBestEpochLabelInsideThePlot(t *testing.T) {
	cs := CurveSet{Key: "loss", Series: []Series{{Loader: "train", Epochs: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		Values: []float64{1, .9, .8, .7, .6, .5, .4, .3, .2, .1}}}}
	for best, left := range map[int]bool{2: false, 9: true, 10: true} {
		c := curveChart(cs, best)
		if len(c.Marks) != 1 || c.Marks[0].Left != left || c.Marks[0].X < c.L || c.Marks[0].X > c.R {
			t.Errorf("best epoch %d: marks %+v (plot %v..%v), want Left %v", best, c.Marks, c.L, c.R, left)
		}
	}
}

// A reliability bin's hover title uses evalkit's bin edges: lower bound
// in, upper bound out, and the bin of confidences exactly 1 closed.
func TestBinRange(t *testing.T) {
	for _, c := range []struct {
		b    Bin
		want string
	}{{Bin{Lo: 0.2, Hi: 4.0 / 15}, "[0.200, 0.267)"}, {Bin{Lo: 1, Hi: 1}, "[1.000, 1.000]"}} {
		if got := binRange(c.b); got != c.want {
			t.Errorf("binRange(%+v) = %q, want %q", c.b, got, c.want)
		}
	}
}
