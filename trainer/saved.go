package trainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ErrNoRun is wrapped by the error of a resumed Run, and of RunDir.Saved,
// when the run directory holds no resume checkpoint.
var ErrNoRun = errors.New("no run to resume")

// Saved is what a run directory's resume checkpoint says of its run.
type Saved struct {
	Epochs  int // epochs trained to their end
	Batches int // batches trained of the epoch after them (an interrupted epoch)
	// Hparams are the settings saved with the checkpoint (Config.Hparams
	// of the run that saved it), numbers as json.Number.
	Hparams map[string]any
}

// MinEpochs is the smallest Config.Epochs that can continue the run: the
// epochs trained, plus the interrupted one if any.
func (s *Saved) MinEpochs() int {
	if s.Batches > 0 {
		return s.Epochs + 1
	}
	return s.Epochs
}

// Saved reads the run directory's resume checkpoint; the error wraps
// ErrNoRun when there is none.
func (d RunDir) Saved() (*Saved, error) {
	_, st, err := readResume(d)
	if err != nil {
		return nil, err
	}
	return &Saved{Epochs: st.Epoch, Batches: st.Batch, Hparams: st.Hparams}, nil
}

// ReadHparams reads the run's hparams.json, numbers as json.Number. Files
// written before wgtrain wrote typed values hold every value as a string;
// they are returned as they are.
func (d RunDir) ReadHparams() (map[string]any, error) {
	data, err := os.ReadFile(d.Hparams())
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var h map[string]any
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Hparams(), err)
	}
	if h == nil {
		return nil, fmt.Errorf("%s: not a JSON object", d.Hparams())
	}
	return h, nil
}

// checkUnused refuses to start a new run in a directory that holds the
// files of another: a resume checkpoint (continue it with Resume), or what
// a run that failed before its first checkpoint leaves behind (hparams.json,
// event files), which a new run would mix with its own.
func (d RunDir) checkUnused() error {
	if _, err := os.Stat(d.resume()); err == nil {
		return fmt.Errorf("trainer: %s already holds a run (checkpoints/%s); pass --resume to continue it or choose another --logdir", string(d), "resume.safetensors")
	}
	var found []string
	for _, name := range []string{hparamsFile, "checkpoints", "tensorboard", "logs", predictionsDir} {
		if _, err := os.Lstat(d.path(name)); err == nil {
			found = append(found, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("trainer: %w", err)
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("trainer: %s holds the files of an earlier run (%s) and no resume checkpoint to continue it from, as a run that failed or was killed before the end of its first epoch leaves them; delete them or choose another --logdir",
			string(d), strings.Join(found, ", "))
	}
	return nil
}
