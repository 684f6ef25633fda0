package trainer

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

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
	AdamSteps  int             `json:"adam_steps"`
	Best       bestEpoch       `json:"best"`
	History    []EpochRecord   `json:"history"`
	Train      *lossAcc        `json:"train"`
	TrainAcc   json.RawMessage `json:"train_counts"`
	Hparams    map[string]any  `json:"hparams"`
}

// mayChange lists the settings a resumed run may change.
var mayChange = map[string]bool{"epochs": true, "resume": true, "backend": true, "logdir": true, "data-dir": true, "init-from": true}

// saveResume writes checkpoints/resume.safetensors: the model's state
// under "model/", Adam's moments under "optim/<param>/exp_avg" and
// "exp_avg_sq", and the JSON state in the metadata; one file, written
// atomically, so it is always whole.
func (r *run) saveResume() error {
	ts, err := statedict.Tensors(r.cfg.Model, "model/")
	if err != nil {
		return err
	}
	opt := r.stepper.Opt
	for i, p := range opt.Params() {
		m, v := opt.Moments(i)
		mh, err := m.Owner().Download(m)
		if err != nil {
			return err
		}
		vh, err := v.Owner().Download(v)
		if err != nil {
			return err
		}
		shape := []int(p.Value.Shape().Clone())
		ts = append(ts, safetensors.F32("optim/"+p.Name+"/exp_avg", shape, mh),
			safetensors.F32("optim/"+p.Name+"/exp_avg_sq", shape, vh))
	}
	counts, err := json.Marshal(r.train.acc)
	if err != nil {
		return fmt.Errorf("trainer: resume state: %w", err)
	}
	st := resumeState{
		Version: 1, Epoch: r.epoch, Batch: r.batch, GlobalStep: r.globalStep, Samples: r.samples,
		AdamSteps: opt.Steps(), Best: r.best, History: r.history, Train: r.train, TrainAcc: counts,
		Hparams: r.cfg.Hparams,
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

// loadResume restores the run from its resume checkpoint. The settings
// must match the saved run's, except those in mayChange.
func (r *run) loadResume() error {
	path := r.dir.resume()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("trainer: --resume: %s has no resume checkpoint (%s)", r.cfg.LogDir, path)
		}
		return err
	}
	var st resumeState
	if err := json.Unmarshal([]byte(f.Metadata[resumeKey]), &st); err != nil || st.Version != 1 {
		return fmt.Errorf("trainer: %s: the %s metadata is not a version-1 resume state: %v", path, resumeKey, err)
	}
	if err := sameHparams(st.Hparams, r.cfg.Hparams); err != nil {
		return fmt.Errorf("trainer: --resume %s: %w", r.cfg.LogDir, err)
	}
	if st.Epoch < 0 || st.Batch < 0 || st.AdamSteps < 0 || st.GlobalStep < 0 {
		return fmt.Errorf("trainer: %s: negative position in the resume state", path)
	}
	// Check the optimizer tensors before touching the model.
	opt := r.stepper.Opt
	moments := make([][2][]float32, len(opt.Params()))
	for i, p := range opt.Params() {
		for j, suffix := range []string{"/exp_avg", "/exp_avg_sq"} {
			name := "optim/" + p.Name + suffix
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
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || (j == 1 && x < 0) {
					return fmt.Errorf("trainer: %s: %s has an invalid value %g at index %d", path, name, x, k)
				}
			}
			moments[i][j] = v
		}
	}
	if err := statedict.Load(r.cfg.Model, f, "model/", path); err != nil {
		return err
	}
	for i := range opt.Params() {
		m, v := opt.Moments(i)
		if err := m.Owner().Upload(m, moments[i][0]); err != nil {
			return err
		}
		if err := v.Owner().Upload(v, moments[i][1]); err != nil {
			return err
		}
	}
	opt.SetSteps(st.AdamSteps)
	r.epoch, r.batch, r.globalStep, r.samples = st.Epoch, st.Batch, st.GlobalStep, st.Samples
	r.best, r.history = st.Best, st.History
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

// sameHparams reports the first setting that differs between the saved
// run and this one.
func sameHparams(saved, now map[string]any) error {
	keys := map[string]bool{}
	for k := range saved {
		keys[k] = true
	}
	for k := range now {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if mayChange[k] {
			continue
		}
		a, _ := json.Marshal(saved[k])
		b, _ := json.Marshal(now[k])
		if string(a) != string(b) {
			return fmt.Errorf("setting %q was %s in the saved run and is %s now", k, a, b)
		}
	}
	return nil
}
