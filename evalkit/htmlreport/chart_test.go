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
