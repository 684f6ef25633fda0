package htmlreport

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// chart is the view of one inline SVG line chart: its size, plot area,
// ticks, lines (each with hover points) and vertical markers, all in SVG
// user units.
type chart struct {
	Title          string
	W, H           float64
	L, R, T, B     float64 // the plot area: left, right, top, bottom
	XTicks, YTicks []tick
	Lines          []line
	Marks          []mark
	Diagonal       string // a path for the y = x reference line, "" for none
	XLabel, YLabel string
}

type tick struct {
	Pos   float64
	Label string
}

type line struct {
	Name   string
	Color  int // index into the palette classes c0..c9
	D      string
	Points []point
}

type point struct {
	X, Y  float64
	Title string
}

type mark struct {
	X     float64
	Label string
	Left  bool // the label ends at the line instead of starting there
}

// axis maps data values in [lo, hi] to pixels in [p0, p1].
type axis struct{ lo, hi, p0, p1 float64 }

func (a axis) at(v float64) float64 {
	if a.hi == a.lo {
		return (a.p0 + a.p1) / 2
	}
	return a.p0 + (v-a.lo)/(a.hi-a.lo)*(a.p1-a.p0)
}

// niceStep returns a tick step of 1, 2 or 5 times a power of ten giving
// at most about n ticks over span.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// ticks returns the multiples of step in [lo, hi].
func ticks(a axis, step float64, integer bool) []tick {
	var out []tick
	start := math.Ceil(a.lo/step-1e-9) * step
	for v := start; v <= a.hi+step*1e-9 && len(out) < 50; v += step {
		label := strconv.FormatFloat(v, 'g', 4, 64)
		if integer {
			label = strconv.Itoa(int(math.Round(v)))
		}
		if math.Abs(v) < step*1e-9 {
			label = "0"
		}
		out = append(out, tick{a.at(v), label})
	}
	return out
}

// path draws the finite (x, y) points as an SVG path, starting a new
// stretch after a non-finite value.
func path(xa, ya axis, xs, ys []float64) string {
	var b strings.Builder
	pen := false
	for i := range xs {
		if i >= len(ys) || !finite(xs[i]) || !finite(ys[i]) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		fmt.Fprintf(&b, "%s%.1f %.1f", cmd, xa.at(xs[i]), ya.at(ys[i]))
		pen = true
	}
	return b.String()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// decimate keeps at most max points of a curve, always the first and
// the last, so a curve over every threshold of a large split stays small.
func decimate(xs, ys []float64, max int) ([]float64, []float64) {
	n := min(len(xs), len(ys))
	if n <= max {
		return xs[:n], ys[:n]
	}
	ox, oy := make([]float64, 0, max+1), make([]float64, 0, max+1)
	for k := 0; k < max; k++ {
		i := k * (n - 1) / (max - 1)
		ox, oy = append(ox, xs[i]), append(oy, ys[i])
	}
	return ox, oy
}

// curveChart is the chart of one training-curve key: a line per loader,
// hover points per epoch and the best epoch marked.
func curveChart(cs CurveSet, best int) chart {
	c := chart{Title: cs.Key, W: 360, H: 220, L: 48, R: 350, T: 24, B: 186, XLabel: "epoch"}
	e0, e1 := math.MaxInt, math.MinInt
	v0, v1 := math.Inf(1), math.Inf(-1)
	for _, s := range cs.Series {
		for i, e := range s.Epochs {
			e0, e1 = min(e0, e), max(e1, e)
			if i < len(s.Values) && finite(s.Values[i]) {
				v0, v1 = math.Min(v0, s.Values[i]), math.Max(v1, s.Values[i])
			}
		}
	}
	if e0 > e1 {
		e0, e1 = 0, 1
	}
	if !(v0 <= v1) {
		v0, v1 = 0, 1
	}
	pad := (v1 - v0) * 0.08
	if pad == 0 {
		pad = math.Max(math.Abs(v0)*0.05, 0.05)
	}
	xa := axis{float64(e0), float64(e1), c.L, c.R}
	ya := axis{v0 - pad, v1 + pad, c.B, c.T}
	if e0 == e1 {
		xa.lo, xa.hi = float64(e0)-1, float64(e1)+1
	}
	c.XTicks = ticks(xa, math.Max(1, niceStep(xa.hi-xa.lo, 8)), true)
	c.YTicks = ticks(ya, niceStep(ya.hi-ya.lo, 5), false)
	for k, s := range cs.Series {
		xs := make([]float64, len(s.Epochs))
		l := line{Name: s.Loader, Color: k % 10}
		for i, e := range s.Epochs {
			xs[i] = float64(e)
			if i < len(s.Values) && finite(s.Values[i]) {
				l.Points = append(l.Points, point{xa.at(xs[i]), ya.at(s.Values[i]),
					fmt.Sprintf("%s %s, epoch %d: %.4f", s.Loader, cs.Key, e, s.Values[i])})
			}
		}
		l.D = path(xa, ya, xs, s.Values)
		c.Lines = append(c.Lines, l)
	}
	if best > 0 && float64(best) >= xa.lo && float64(best) <= xa.hi {
		x := xa.at(float64(best))
		// A mark in the right half has its label on its left, inside the plot.
		c.Marks = []mark{{X: x, Label: fmt.Sprintf("best epoch %d", best), Left: x > (c.L+c.R)/2}}
	}
	return c
}

// classChart is one class's small PR or ROC chart on the unit square.
func classChart(cc ClassCurve, color int, roc bool) chart {
	c := chart{W: 200, H: 200, L: 32, R: 190, T: 22, B: 170}
	xa, ya := axis{0, 1, c.L, c.R}, axis{0, 1, c.B, c.T}
	area, what := "AP", "precision-recall"
	c.XLabel, c.YLabel = "recall", "precision"
	if roc {
		area, what = "AUC", "ROC"
		c.XLabel, c.YLabel = "FPR", "TPR"
		c.Diagonal = path(xa, ya, []float64{0, 1}, []float64{0, 1})
	}
	c.Title = shorten(cc.Class, 12)
	if finite(cc.Area) {
		c.Title = fmt.Sprintf("%s · %s %.4f", c.Title, area, cc.Area)
	}
	c.XTicks = ticks(xa, 0.5, false)
	c.YTicks = ticks(ya, 0.5, false)
	xs, ys := decimate(cc.X, cc.Y, 300)
	c.Lines = []line{{Name: cc.Class + " " + what, Color: color % 10, D: path(xa, ya, xs, ys)}}
	return c
}

// shorten cuts s to at most n characters, marking a cut with an ellipsis
// (a small chart's title has room for little more; the full name is in
// the line's hover title).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
