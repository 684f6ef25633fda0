package trainer

import (
	"bytes"
	"fmt"
	"image/color"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// writeCurves draws curves.png: the loss and the valid metric per epoch,
// one line per loader, side by side.
func (d RunDir) writeCurves(history []EpochRecord, key string) error {
	keys := []string{"loss"}
	if key != "loss" {
		keys = append(keys, key)
	}
	const w, h = 6 * vg.Inch, 4 * vg.Inch
	img := vgimg.New(w*vg.Length(len(keys)), h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(keys)}
	for i, k := range keys {
		p, err := curvePlot(history, k)
		if err != nil {
			return err
		}
		p.Draw(tiles.At(dc, i, 0))
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("trainer: curves.png: %w", err)
	}
	return d.write(buf.Bytes(), "curves.png")
}

var curveColors = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255},
	color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255},
}

func curvePlot(history []EpochRecord, key string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = key + " per epoch"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = key
	p.Legend.Top = true
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
	for i, l := range names {
		var pts plotter.XYs
		for _, rec := range history {
			if v, ok := rec.Metrics[l][key]; ok {
				pts = append(pts, plotter.XY{X: float64(rec.Epoch), Y: v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("trainer: curves.png: %w", err)
		}
		c := curveColors[i%len(curveColors)]
		line.Color, points.Color = c, c
		p.Add(line, points)
		p.Legend.Add(l, line, points)
	}
	return p, nil
}
