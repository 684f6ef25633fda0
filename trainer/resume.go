package trainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/statedict"
)

// resumeKey is the metadata key of the resume checkpoint's JSON state.
const resumeKey = "wgtrain_resume"

// resumeState is everything besides tensors that a resumed run needs to
// continue exactly where it stopped: the position, the best epoch, the
// history, and the training loader's partial counts of an interrupted
// epoch. The data order, augmentation and dropout masks are functions of
// (seed, epoch, step), so no generator state needs saving.
type resumeState struct {
	Version    int             `json:"version"`
	Epoch      int             `json:"epoch"` // 0-based epoch in progress
	Batch      int             `json:"batch"` // its batches already trained
	GlobalStep int             `json:"global_step"`
	Samples    int64           `json:"samples"`
	AdamSteps  int             `json:"adam_steps"` // the optimizer's Steps(), whichever it is (the key predates SGD)
	Best       bestEpoch       `json:"best"`
	History    []EpochRecord   `json:"history"`
	Train      *lossAcc        `json:"train"`
	TrainAcc   json.RawMessage `json:"train_counts"`
	Hparams    map[string]any  `json:"hparams"`
	// ElapsedS is the run's wall time so far in seconds, which a resumed
	// run continues from.
	ElapsedS float64 `json:"elapsed_s"`
	// Stopped says the run reached StopAt's target with Epochs epochs
	// asked for: resumed with the same two, it is finished.
	Stopped bool    `json:"stopped,omitempty"`
	StopAt  *StopAt `json:"stop_at,omitempty"`
	Epochs  int     `json:"epochs,omitempty"`
	// EMAUpdates is the number of updates of the weights' average
	// (whose tensors are the "ema/<param>" entries).
	EMAUpdates int `json:"ema_updates,omitempty"`
}

// mayChange lists the settings a resumed run may change.
var mayChange = map[string]bool{"epochs": true, "stop-at": true, "resume": true, "backend": true, "gpu-limits": true, "logdir": true, "data-dir": true, "init-from": true}

// saveResume writes checkpoints/resume.safetensors: the model's state
// under "model/", the optimizer's buffers under "optim/<param>/<key>"
// (Adam's exp_avg and exp_avg_sq, SGD's momentum_buffer), and the JSON state in the metadata; one file, written
// atomically, so it is always whole.
func (r *run) saveResume() error {
	// In a data-parallel run rank 0 saves every rank's training counts.
	train, err := r.mergeAcc(r.train)
	if err != nil || !r.lead() {
		return err
	}
	ts, err := statedict.Tensors(r.cfg.Model, "model/")
	if err != nil {
		return err
	}
	opt := r.stepper.Opt
	for i, p := range opt.Params() {
		shape := []int(p.Value.Shape().Clone())
		for _, st := range opt.State(i) {
			h, err := st.Tensor.Owner().Download(st.Tensor)
			if err != nil {
				return err
			}
			ts = append(ts, safetensors.F32("optim/"+p.Name+"/"+st.Key, shape, h))
		}
	}
	emaTs, err := r.emaTensors()
	if err != nil {
		return err
	}
	ts = append(ts, emaTs...)
	counts, err := json.Marshal(train.acc)
	if err != nil {
		return fmt.Errorf("trainer: resume state: %w", err)
	}
	st := resumeState{
		Version: 1, Epoch: r.epoch, Batch: r.batch, GlobalStep: r.globalStep, Samples: r.samples,
		AdamSteps: opt.Steps(), Best: r.best, History: r.history, Train: train, TrainAcc: counts,
		Hparams: r.cfg.Hparams, ElapsedS: r.elapsed(), Stopped: r.stopped, StopAt: r.cfg.StopAt, Epochs: r.cfg.Epochs,
	}
	if r.ema != nil {
		st.EMAUpdates = r.ema.Updates
	}
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("trainer: resume state: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(r.dir.resume()), 0o755); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return safetensors.WriteFile(r.dir.resume(), ts, map[string]string{resumeKey: string(js)})
}

// readResume reads the run directory's resume checkpoint and its JSON
// state, the settings' numbers as json.Number; a missing file is ErrNoRun.
func readResume(d RunDir) (*safetensors.File, *resumeState, error) {
	path := d.resume()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("trainer: %w in %s (no checkpoints/resume.safetensors)", ErrNoRun, string(d))
		}
		return nil, nil, err
	}
	var st resumeState
	dec := json.NewDecoder(strings.NewReader(f.Metadata[resumeKey]))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return nil, nil, fmt.Errorf("trainer: %s: the %s metadata is not a resume state: %v", path, resumeKey, err)
	}
	if st.Version != 1 {
		return nil, nil, fmt.Errorf("trainer: %s: resume state version %d, want 1", path, st.Version)
	}
	if st.Epoch < 0 || st.Batch < 0 || st.AdamSteps < 0 || st.GlobalStep < 0 {
		return nil, nil, fmt.Errorf("trainer: %s: negative position in the resume state", path)
	}
	return f, &st, nil
}

// loadResume restores the run from its resume checkpoint. The settings
// must match the saved run's, except those in mayChange, and Epochs must
// reach the end of the epoch in progress, and equal the saved run's with a
// per-step schedule (ScheduleConfig.PerStep), which spans the whole run.
func (r *run) loadResume() error {
	path := r.dir.resume()
	f, st, err := readResume(r.dir)
	if err != nil {
		return err
	}
	if err := sameHparams(st.Hparams, r.cfg.Hparams); err != nil {
		return fmt.Errorf("trainer: --resume %s: %w", r.cfg.LogDir, err)
	}
	saved := Saved{Epochs: st.Epoch, Batches: st.Batch}
	if r.cfg.Epochs < saved.MinEpochs() {
		return fmt.Errorf("trainer: --resume %s: %d epochs asked for, but the run has trained %d epochs and %d batches of the next; want at least %d",
			r.cfg.LogDir, r.cfg.Epochs, st.Epoch, st.Batch, saved.MinEpochs())
	}
	if r.cfg.Schedule.PerStep() && st.Epochs != 0 && st.Epochs != r.cfg.Epochs {
		return fmt.Errorf("trainer: --resume %s: the run's %s schedule spans its %d epochs; %d epochs would change it",
			r.cfg.LogDir, r.cfg.Schedule.Name, st.Epochs, r.cfg.Epochs)
	}
	// Check the optimizer tensors before touching the model.
	opt := r.stepper.Opt
	moments := make([][][]float32, len(opt.Params()))
	for i, p := range opt.Params() {
		for _, st := range opt.State(i) {
			name := "optim/" + p.Name + "/" + st.Key
			t, ok := f.Get(name)
			if !ok {
				return fmt.Errorf("trainer: %s: missing entry %s", path, name)
			}
			if t.DType != safetensors.DTypeF32 || t.Numel() != p.Value.Numel() {
				return fmt.Errorf("trainer: %s: %s is %s%v, want F32%v", path, name, t.DType, t.Shape, []int(p.Value.Shape()))
			}
			v, err := t.Float32s()
			if err != nil {
				return fmt.Errorf("trainer: %s: %w", path, err)
			}
			for k, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || (st.NonNegative && x < 0) {
					return fmt.Errorf("trainer: %s: %s has an invalid value %g at index %d", path, name, x, k)
				}
			}
			moments[i] = append(moments[i], v)
		}
	}
	emaVals, err := r.readEMA(f, path, st.EMAUpdates)
	if err != nil {
		return err
	}
	if err := statedict.Load(r.cfg.Model, f, "model/", path); err != nil {
		return err
	}
	if err := r.loadEMA(emaVals, st.EMAUpdates); err != nil {
		return err
	}
	for i := range opt.Params() {
		for j, st := range opt.State(i) {
			if err := st.Tensor.Owner().Upload(st.Tensor, moments[i][j]); err != nil {
				return err
			}
		}
	}
	opt.SetSteps(st.AdamSteps)
	r.epoch, r.batch, r.globalStep, r.samples = st.Epoch, st.Batch, st.GlobalStep, st.Samples
	r.best, r.history = st.Best, st.History
	r.elapsedBefore, r.started = st.ElapsedS, time.Now()
	// A run stopped at its target is finished, unless the target or the
	// epochs changed: then it trains on.
	r.stopped = st.Stopped && sameStopAt(st.StopAt, r.cfg.StopAt) && st.Epochs == r.cfg.Epochs
	if st.Train != nil {
		r.train.N, r.train.Loss = st.Train.N, st.Train.Loss
		for k, v := range st.Train.Parts {
			r.train.Parts[k] = v
		}
	}
	if len(st.TrainAcc) > 0 {
		if err := json.Unmarshal(st.TrainAcc, r.train.acc); err != nil {
			return fmt.Errorf("trainer: %s: training counts: %w", path, err)
		}
	}
	return nil
}

// sameHparams reports every setting that differs between the saved run
// and this one.
func sameHparams(saved, now map[string]any) error {
	// Only the settings the saved run recorded are compared: one it did
	// not record comes from a later version of wgtrain, whose default is
	// what the older run did.
	sorted := slices.Sorted(maps.Keys(saved))
	var diffs []string
	for _, k := range sorted {
		if mayChange[k] || sameSetting(saved[k], now[k]) {
			continue
		}
		a, _ := json.Marshal(saved[k])
		b, _ := json.Marshal(now[k])
		diffs = append(diffs, fmt.Sprintf("setting %q was %s in the saved run and is %s now", k, a, b))
	}
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "; "))
	}
	return nil
}

// sameSetting reports whether two settings are equal: the same JSON, or
// the same numbers however spelled, or, where one side is a string (older
// runs saved every value as a string), the number or boolean it spells.
// Lists compare element by element.
func sameSetting(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA == nil && errB == nil && bytes.Equal(ja, jb) {
		return true
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Slice && vb.Kind() == reflect.Slice {
		if va.Len() != vb.Len() {
			return false
		}
		for i := range va.Len() {
			if !sameSetting(va.Index(i).Interface(), vb.Index(i).Interface()) {
				return false
			}
		}
		return true
	}
	sa, aStr := a.(string)
	sb, bStr := b.(string)
	if aStr && bStr {
		return false
	}
	if ba, ok := a.(bool); ok {
		x, err := strconv.ParseBool(sb)
		return bStr && err == nil && x == ba
	}
	if bb, ok := b.(bool); ok {
		x, err := strconv.ParseBool(sa)
		return aStr && err == nil && x == bb
	}
	na, okA := numberText(a)
	nb, okB := numberText(b)
	return okA && okB && sameNumber(na, nb)
}

// numberText is the spelling of a setting that may be a number.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return x.String(), true
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	}
	return "", false
}

// sameNumber compares two spelled numbers: exactly as integers when both
// are, else as float64 (the type of every non-integer setting).
func sameNumber(a, b string) bool {
	if x, err := strconv.ParseInt(a, 10, 64); err == nil {
		y, err := strconv.ParseInt(b, 10, 64)
		if err == nil {
			return x == y
		}
	}
	if x, err := strconv.ParseUint(a, 10, 64); err == nil {
		y, err := strconv.ParseUint(b, 10, 64)
		if err == nil {
			return x == y
		}
	}
	x, errX := strconv.ParseFloat(a, 64)
	y, errY := strconv.ParseFloat(b, 64)
	return errX == nil && errY == nil && x == y
}
