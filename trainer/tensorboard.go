package trainer

import (
	"bytes"
	"fmt"
	"image/png"
	"sort"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/internal/tfevents"
)

// tbWriter writes one loader's TensorBoard events.
type tbWriter struct{ w *tfevents.Writer }

func newTBWriter(dir string) (*tbWriter, error) {
	w, err := tfevents.Create(dir)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	return &tbWriter{w: w}, nil
}

func (t *tbWriter) scalars(step int64, m map[string]float64) error {
	if t == nil { // a data-parallel run's ranks other than 0 write nothing
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return t.w.Scalars(step, m, keys)
}

// confusion writes the confusion matrix heat map of the loader named
// split at the epoch step as an image event.
func (t *tbWriter) confusion(step int64, split string, cm [][]int64, names []string) error {
	if t == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := evalkit.ConfusionPNGTitled(&buf, cm, names, evalkit.Subject(split, int(step))); err != nil {
		return err
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return err
	}
	return t.w.Image(step, "confusion_matrix", buf.Bytes(), cfg.Width, cfg.Height)
}

func (t *tbWriter) flush() error { return t.w.Flush() }
func (t *tbWriter) close()       { t.w.Close() }
