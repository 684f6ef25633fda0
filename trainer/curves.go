package trainer

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/wgtrain/wgtrain/internal/plotfont"
)

// writeCurves draws curves.png: the loss and the valid metric key per
// epoch, one panel each side by side, one line per loader, the best epoch
// (when best > 0) marked by a dashed vertical line and a ring on the valid
// loader's point, and one legend to the right of the panels.
func (d RunDir) writeCurves(history []EpochRecord, key, valid string, best int) error {
	img, _, err := drawCurves(history, key, valid, best)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("trainer: curves.png: %w", err)
	}
	return d.write(buf.Bytes(), "curves.png")
}

// The layout of curves.png. Text sizes are those of the confusion matrix
// heat map in pixels (18, 15 and 14 at 96 dots per inch).
const (
	panelW      = 6 * vg.Inch
	panelH      = 4 * vg.Inch
	titleSizePt = 13.5
	labelSizePt = 11.25
	tickSizePt  = 10.5
	legendGap   = 6  // points between the last panel's gap and the legend, and after it
	topMargin   = 6  // points above the titles
	panelGap    = 12 // points right of each panel's last tick label
	maxDotted   = 40 // epochs up to which each one gets a dot
)

var (
	curveColors = []color.Color{
		color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255},
		color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255},
	}
	// bestColor marks the best epoch: a purple that no loader's line uses.
	bestColor = color.RGBA{148, 103, 189, 255}
	gridColor = color.Gray{Y: 225}
)

// curvesLayout is what drawCurves placed where, in the canvas's points
// (origin at the bottom left).
type curvesLayout struct {
	plots   []*plot.Plot
	data    []vg.Rectangle // each panel's data area
	legend  vg.Rectangle   // the legend's extent
	entries []string       // the legend's entries, top to bottom
	style   font.Font      // the legend's font
}

// drawCurves draws curves.png's image and returns where it put things.
func drawCurves(history []EpochRecord, key, valid string, best int) (*vgimg.Canvas, curvesLayout, error) {
	keys := []string{"loss"}
	if key != "loss" {
		keys = append(keys, key)
	}
	names := loaderNames(history)
	var lay curvesLayout
	legend := plot.NewLegend()
	legend.TextStyle.Font = sans(labelSizePt)
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(4)
	// A loader's legend entry shows its first panel's line.
	first := make([]*plotter.Line, len(names))
	for _, k := range keys {
		p, lines, err := curvePlot(history, k, names, valid, best)
		if err != nil {
			return nil, lay, err
		}
		lay.plots = append(lay.plots, p)
		for j, l := range lines {
			if first[j] == nil {
				first[j] = l
			}
		}
	}
	for j, l := range names {
		if first[j] != nil {
			legend.Add(l, first[j])
			lay.entries = append(lay.entries, l)
		}
	}
	if best > 0 {
		legend.Add(bestLabel(best), bestMark{})
		lay.entries = append(lay.entries, bestLabel(best))
	}
	legendW := legend.Rectangle(draw.Canvas{}).Size().X
	panelsW := panelW * vg.Length(len(keys))
	img := vgimg.New(panelsW+legendGap+legendW+legendGap, panelH)
	dc := draw.New(img)
	for i, p := range lay.plots {
		c := dc
		c.Min.X, c.Max.X = panelW*vg.Length(i), panelW*vg.Length(i+1)
		c.Max.X -= panelGap
		c.Max.Y -= topMargin
		p.Draw(c)
		lay.data = append(lay.data, p.DataCanvas(c).Rectangle)
	}
	// The legend's top is level with the data areas' top.
	lc := dc
	lc.Min.X, lc.Max.X = panelsW+legendGap, panelsW+legendGap+legendW
	lc.Max.Y = lay.data[0].Max.Y
	legend.Draw(lc)
	lay.legend = legend.Rectangle(lc)
	lay.style = legend.TextStyle.Font
	return img, lay, nil
}

// bestLabel is the best epoch's legend entry.
func bestLabel(best int) string { return "best epoch " + strconv.Itoa(best) }

// sans returns the font of wgtrain's images at size points.
func sans(size vg.Length) font.Font { return font.From(plotfont.Plot, size) }

// loaderNames returns the loaders of history: train, valid, then the
// others by name.
func loaderNames(history []EpochRecord) []string {
	loaders := map[string]bool{}
	for _, rec := range history {
		for l := range rec.Metrics {
			loaders[l] = true
		}
	}
	names := make([]string, 0, len(loaders))
	for l := range loaders {
		names = append(names, l)
	}
	sort.Slice(names, func(i, j int) bool {
		return order(names[i]) < order(names[j]) || (order(names[i]) == order(names[j]) && names[i] < names[j])
	})
	return names
}

// curvePlot draws key per epoch, one line per loader of names (lines[i]
// is loader i's, nil when it has no finite value of key), on a light grid
// with integer epoch ticks, the best epoch marked.
func curvePlot(history []EpochRecord, key string, names []string, valid string, best int) (*plot.Plot, []*plotter.Line, error) {
	p := plot.New()
	p.Title.Text = key + " per epoch"
	p.Title.TextStyle.Font = sans(titleSizePt)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = key
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSizePt)
		a.Tick.Label.Font = sans(tickSizePt)
	}
	p.X.Tick.Marker = epochTicks{}
	p.Y.Tick.Marker = valueTicks{}
	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: gridColor, Width: vg.Points(0.75)}
	grid.Horizontal = grid.Vertical
	p.Add(grid)
	if best > 0 {
		p.Add(bestLine{epoch: best})
	}
	lines := make([]*plotter.Line, len(names))
	var bestPt plotter.XYs
	for i, l := range names {
		var pts plotter.XYs
		for _, rec := range history {
			if v, ok := rec.Metrics[l][key]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
				pts = append(pts, plotter.XY{X: float64(rec.Epoch), Y: v})
				if l == valid && rec.Epoch == best {
					bestPt = plotter.XYs{{X: float64(rec.Epoch), Y: v}}
				}
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, nil, fmt.Errorf("trainer: curves.png: %w", err)
		}
		c := curveColors[i%len(curveColors)]
		line.Color, points.Color = c, c
		line.Width = vg.Points(1.5)
		points.Shape, points.Radius = draw.CircleGlyph{}, vg.Points(2.5)
		p.Add(line)
		if len(pts) <= maxDotted {
			p.Add(points)
		}
		lines[i] = line
	}
	if bestPt != nil {
		ring, err := plotter.NewScatter(bestPt)
		if err != nil {
			return nil, nil, fmt.Errorf("trainer: curves.png: %w", err)
		}
		ring.GlyphStyle = bestGlyph()
		p.Add(ring)
	}
	// The epoch axis spans the run's epochs (in every panel, whichever
	// values are missing), half an epoch either side of a single one.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, rec := range history {
		lo, hi = min(lo, float64(rec.Epoch)), max(hi, float64(rec.Epoch))
	}
	if lo > hi {
		lo, hi = 1, 1
	}
	if best > 0 {
		lo, hi = min(lo, float64(best)), max(hi, float64(best))
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	p.X.Min, p.X.Max = lo, hi
	return p, lines, nil
}

// bestLineStyle is the best epoch's dashed line.
var bestLineStyle = draw.LineStyle{Color: bestColor, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}

// bestGlyph is the ring around the valid loader's point at the best epoch.
func bestGlyph() draw.GlyphStyle {
	return draw.GlyphStyle{Color: bestColor, Radius: vg.Points(5), Shape: draw.RingGlyph{}}
}

// bestLine is a plot.Plotter: a dashed vertical line across the data area
// at the best epoch. It has no data range, so it leaves the axes alone.
type bestLine struct{ epoch int }

// Plot draws the line.
func (b bestLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(float64(b.epoch))
	c.StrokeLine2(bestLineStyle, x, c.Min.Y, x, c.Max.Y)
}

// bestMark is the best epoch's legend thumbnail: a dashed line through a
// ring.
type bestMark struct{}

// Thumbnail draws the thumbnail in c.
func (bestMark) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(bestLineStyle, c.Min.X, y, c.Max.X, y)
	c.DrawGlyph(bestGlyph(), c.Center())
}

// epochTicks is the epoch axis's plot.Ticker: labelled ticks on integer
// epochs only, at most 10 of them, every 1, 2 or 5 times a power of ten
// epochs; unlabelled ticks on the integers between when the step allows.
type epochTicks struct{}

// maxEpochTicks bounds the labelled ticks.
const maxEpochTicks = 10

// Ticks returns the ticks between from and to.
func (epochTicks) Ticks(from, to float64) []plot.Tick {
	if math.IsNaN(from) || math.IsNaN(to) || math.IsInf(from, 0) || math.IsInf(to, 0) {
		return nil
	}
	lo, hi := math.Ceil(from), math.Floor(to)
	if hi < lo {
		return nil
	}
	// step runs 1, 2, 5, 10, 20, 50, ...; minor is its unlabelled
	// subdivision (0 for none).
	step, minor := 1.0, 0.0
	for k := 0; math.Floor(hi/step)-math.Ceil(lo/step)+1 > maxEpochTicks; k++ {
		switch k % 3 {
		case 0: // to 2×10^n
			step, minor = step*2, step
		case 1: // to 5×10^n
			step, minor = step*2.5, step/2
		case 2: // to 10×10^n
			step, minor = step*2, step
		}
	}
	var ticks []plot.Tick
	if minor > 0 {
		for v := math.Ceil(lo/minor) * minor; v <= hi; v += minor {
			if math.Mod(v, step) != 0 {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}

// valueTicks is the value axis's plot.Ticker: at most 7 labelled ticks
// every 1, 2 or 5 times a power of ten, each label with the decimals its
// step needs, and an unlabelled tick halfway between.
type valueTicks struct{}

// maxValueTicks bounds the labelled ticks.
const maxValueTicks = 7

// Ticks returns the ticks between lo and hi.
func (valueTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if math.IsNaN(span) || math.IsInf(span, 0) || span <= 0 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	mag := math.Pow(10, math.Floor(math.Log10(span/maxValueTicks)))
	var step float64
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		if math.Floor(hi/step)-math.Ceil(lo/step)+1 <= maxValueTicks {
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi; k++ {
		v := k * step
		if k == 0 {
			v = 0 // not -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
		if h := v + step/2; h <= hi {
			ticks = append(ticks, plot.Tick{Value: h})
		}
		if k == math.Ceil(lo/step) && v-step/2 >= lo {
			ticks = append(ticks, plot.Tick{Value: v - step/2})
		}
	}
	return ticks
}
