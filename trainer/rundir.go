package trainer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/internal/atomicfile"
)

// RunDir is a run directory laid out as docs/SPEC.md §7 says: Run writes
// it, and its exported methods give the paths of the files that other
// programs (wgtrain report) read. Every file is written atomically, so a
// crash never leaves half a file.
type RunDir string

// The names of the run directory's files and folders that other programs
// look up.
const (
	hparamsFile    = "hparams.json"
	predictionsDir = "predictions"
)

// HparamsClasses is the key of hparams.json that holds the run's class
// names, a list of strings indexed by label (wgtrain train records them
// there; ClassNames reads them).
const HparamsClasses = "classes"

// PredictionsRunDir returns the run directory of a predictions file that
// Run wrote (<run>/predictions/<loader>.csv): the directory two levels up.
func PredictionsRunDir(predictions string) RunDir {
	return RunDir(filepath.Dir(filepath.Dir(predictions)))
}

// Hparams returns the path of hparams.json, every setting of the run.
func (d RunDir) Hparams() string { return d.path(hparamsFile) }

// Predictions returns the path of the predictions file of the loader
// named loader: predictions/<loader>.csv.
func (d RunDir) Predictions(loader string) string {
	return d.path(predictionsDir, loader+".csv")
}

// ClassNames returns the class names recorded under HparamsClasses in the
// run's hparams.json, or nil when the file cannot be read or holds no such
// list of strings.
func (d RunDir) ClassNames() []string {
	data, err := os.ReadFile(d.Hparams())
	if err != nil {
		return nil
	}
	var h struct {
		Classes []string `json:"classes"` // HparamsClasses
	}
	if json.Unmarshal(data, &h) != nil {
		return nil
	}
	return h.Classes
}

func (d RunDir) path(parts ...string) string {
	return filepath.Join(append([]string{string(d)}, parts...)...)
}

func (d RunDir) best() string { return d.path("checkpoints", "best.safetensors") }
func (d RunDir) last() string { return d.path("checkpoints", "last.safetensors") }
func (d RunDir) lastEMA() string {
	return d.path("checkpoints", "last_ema.safetensors")
}
func (d RunDir) resume() string { return d.path("checkpoints", "resume.safetensors") }
func (d RunDir) tensorboard(loader string) string {
	return d.path("tensorboard", loader)
}

// write writes one file of the run directory atomically.
func (d RunDir) write(data []byte, parts ...string) error {
	p := d.path(parts...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	if err := atomicfile.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return nil
}

// remove removes one file of the run directory, if it is there.
func (d RunDir) remove(parts ...string) error {
	if err := os.Remove(d.path(parts...)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("trainer: %w", err)
	}
	return nil
}

func (d RunDir) writeJSON(v any, parts ...string) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("trainer: %s: %w", filepath.Join(parts...), err)
	}
	return d.write(append(data, '\n'), parts...)
}

func (d RunDir) writeHparams(h map[string]any) error {
	if h == nil {
		h = map[string]any{}
	}
	return d.writeJSON(h, hparamsFile)
}

// writeLogs rewrites logs/<loader>.csv (one row per epoch: step, then the
// sorted metric keys) and logs/epoch.csv (the learning rate) from the
// whole history, so a resumed run's logs are whole.
func (d RunDir) writeLogs(history []EpochRecord) error {
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
// metric, the per-epoch history and, with a StopAt, the time to its
// target ("stop_at").
func (d RunDir) writeMetrics(best bestEpoch, key, loader string, history []EpochRecord, target *TimeToTarget) error {
	m := map[string]any{
		"best_epoch":   best.Epoch,
		"valid_loader": loader,
		"valid_metric": key,
		"best_value":   best.Metric,
		"history":      history,
	}
	if target != nil {
		m["stop_at"] = target
	}
	return d.writeJSON(m, "checkpoints", "metrics.json")
}

// writePredictions writes predictions/<name>.csv and its metadata,
// predictions/<name>.meta.json.
func (d RunDir) writePredictions(name string, p *evalkit.Predictions, meta *evalkit.PredictionsMeta) error {
	if err := os.MkdirAll(d.path(predictionsDir), 0o755); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return evalkit.WritePredictionsWithMeta(d.Predictions(name), p, meta)
}

// Report returns the path of report.txt, the classification report of
// the final model (Config.Report); report.json beside it holds the same
// in JSON.
func (d RunDir) Report() string { return d.path("report.txt") }

// BestEpoch returns the best epoch recorded in checkpoints/metrics.json,
// or 0 when the file cannot be read or holds none.
func (d RunDir) BestEpoch() int {
	data, err := os.ReadFile(d.path("checkpoints", "metrics.json"))
	if err != nil {
		return 0
	}
	var m struct {
		Best int `json:"best_epoch"`
	}
	if json.Unmarshal(data, &m) != nil || m.Best < 0 {
		return 0
	}
	return m.Best
}

// writeReport writes report.txt, report.json and confusion_matrix.png,
// each naming the split and the epoch the report describes.
func (d RunDir) writeReport(rep *evalkit.Report, cm [][]int64, names []string) error {
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
	if err := evalkit.WriteConfusionPNGTitled(d.path("confusion_matrix.png"), cm, names, rep.Subject()); err != nil {
		return fmt.Errorf("trainer: confusion_matrix.png: %w", err)
	}
	return nil
}
