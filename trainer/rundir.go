package trainer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/internal/atomicfile"
	"github.com/wgtrain/wgtrain/internal/tfevents"
)

// runDir is a run directory laid out as in REFERENCE.md section 7. Every
// file is written atomically, so a crash never leaves half a file.
type runDir string

func (d runDir) path(parts ...string) string {
	return filepath.Join(append([]string{string(d)}, parts...)...)
}

func (d runDir) best() string   { return d.path("checkpoints", "best.safetensors") }
func (d runDir) last() string   { return d.path("checkpoints", "last.safetensors") }
func (d runDir) resume() string { return d.path("checkpoints", "resume.safetensors") }
func (d runDir) tensorboard(loader string) string {
	return d.path("tensorboard", loader)
}

// write writes one file of the run directory atomically.
func (d runDir) write(data []byte, parts ...string) error {
	p := d.path(parts...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	if err := atomicfile.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return nil
}

func (d runDir) writeJSON(v any, parts ...string) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("trainer: %s: %w", filepath.Join(parts...), err)
	}
	return d.write(append(data, '\n'), parts...)
}

func (d runDir) writeHparams(h map[string]any) error {
	if h == nil {
		h = map[string]any{}
	}
	return d.writeJSON(h, "hparams.json")
}

// writeLogs rewrites logs/<loader>.csv (one row per epoch: step, then the
// sorted metric keys) and logs/epoch.csv (the learning rate) from the
// whole history, so a resumed run's logs are whole.
func (d runDir) writeLogs(history []EpochRecord) error {
	loaders := map[string]bool{}
	for _, rec := range history {
		for name := range rec.Metrics {
			loaders[name] = true
		}
	}
	for name := range loaders {
		keySet := map[string]bool{}
		for _, rec := range history {
			for k := range rec.Metrics[name] {
				keySet[k] = true
			}
		}
		keys := make([]string, 0, len(keySet))
		for k := range keySet {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("step," + strings.Join(keys, ",") + "\n")
		for _, rec := range history {
			m, ok := rec.Metrics[name]
			if !ok {
				continue
			}
			b.WriteString(strconv.Itoa(rec.Epoch))
			for _, k := range keys {
				b.WriteByte(',')
				if v, ok := m[k]; ok {
					b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
				}
			}
			b.WriteByte('\n')
		}
		if err := d.write([]byte(b.String()), "logs", name+".csv"); err != nil {
			return err
		}
	}
	var b strings.Builder
	b.WriteString("step,lr\n")
	for _, rec := range history {
		fmt.Fprintf(&b, "%d,%s\n", rec.Epoch, strconv.FormatFloat(rec.LR, 'g', -1, 64))
	}
	return d.write([]byte(b.String()), "logs", "epoch.csv")
}

// writeMetrics writes checkpoints/metrics.json: the best epoch, its valid
// metric and the per-epoch history.
func (d runDir) writeMetrics(best bestEpoch, key, loader string, history []EpochRecord) error {
	return d.writeJSON(map[string]any{
		"best_epoch":   best.Epoch,
		"valid_loader": loader,
		"valid_metric": key,
		"best_value":   best.Metric,
		"history":      history,
	}, "checkpoints", "metrics.json")
}

func (d runDir) writePredictions(name string, p *evalkit.Predictions) error {
	if err := os.MkdirAll(d.path("predictions"), 0o755); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return evalkit.WritePredictions(d.path("predictions", name+".csv"), p)
}

// writeReport writes report.txt, report.json and confusion_matrix.png.
func (d runDir) writeReport(rep *evalkit.Report, cm [][]int64, names []string) error {
	if err := d.write([]byte(rep.Text()), "report.txt"); err != nil {
		return err
	}
	js, err := rep.JSON()
	if err != nil {
		return fmt.Errorf("trainer: report.json: %w", err)
	}
	if err := d.write(append(js, '\n'), "report.json"); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := evalkit.ConfusionPNG(&buf, cm, names); err != nil {
		return fmt.Errorf("trainer: confusion_matrix.png: %w", err)
	}
	return d.write(buf.Bytes(), "confusion_matrix.png")
}

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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return t.w.Scalars(step, m, keys)
}

// confusion writes the confusion matrix heat map as an image event.
func (t *tbWriter) confusion(step int64, cm [][]int64, names []string) error {
	var buf bytes.Buffer
	if err := evalkit.ConfusionPNG(&buf, cm, names); err != nil {
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
