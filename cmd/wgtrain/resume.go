package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/trainer"
)

// notFromRun are the saved settings that --resume does not take back:
// the run directory itself, --resume, where the data and the initial
// weights were read from (the data may have moved; a resumed run starts
// from its checkpoint), and the WebGPU limit set (the machine's business:
// the kernels compute the same under both), and where batches are made
// (the same batches either way). The trainer lets them differ too.
var notFromRun = map[string]bool{"logdir": true, "resume": true, "data-dir": true, "init-from": true, "quiet": true, "gpu-limits": true, "data-on-device": true}

// resumeSettings, with --resume, takes every setting of the run in
// --logdir from its hparams.json (the resume checkpoint's copy when that
// file is gone) into the flags not given. A flag given that differs from
// the run's value is an error listing every such flag, except --epochs,
// which may extend a run (or end it sooner, though not before the epochs
// already trained) unless its --schedule spans the run's steps (onecycle,
// linear), and --backend; both are announced on stderr.
func (f *trainFlags) resumeSettings(flags *pflag.FlagSet, stderr io.Writer) error {
	if !f.resume {
		return nil
	}
	if f.logdir == "" {
		f.logdir = filepath.Join("logs", f.recipe)
	}
	d := trainer.RunDir(f.logdir)
	saved, err := d.Saved()
	if errors.Is(err, trainer.ErrNoRun) {
		return usagef("no run to resume in %s (it holds no checkpoints/resume.safetensors)", f.logdir)
	}
	if err != nil {
		return err
	}
	h, err := d.ReadHparams()
	if errors.Is(err, fs.ErrNotExist) {
		h = saved.Hparams
	} else if err != nil {
		return err
	}
	if f.normMean, f.normStd, f.normSaved, err = savedStats(h, d.Hparams()); err != nil {
		return err
	}
	fillUnrecorded(h)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ref, _ := trainFlagSet(io.Discard) // reads the saved values as the flags do
	var diffs, notes []string
	runEpochs := -1 // the saved run's --epochs, when given differently
	for _, k := range keys {
		fl, want := flags.Lookup(k), ref.Lookup(k)
		if fl == nil || notFromRun[k] {
			continue
		}
		if err := setSaved(want, h[k]); err != nil {
			return fmt.Errorf("%s: %q: %v", d.Hparams(), k, err)
		}
		if !fl.Changed {
			if err := setSaved(fl, h[k]); err != nil {
				return fmt.Errorf("%s: %q: %v", d.Hparams(), k, err)
			}
			continue
		}
		was, given := shown(want), shown(fl)
		switch {
		case k == "epochs":
			runEpochs, _ = strconv.Atoi(was)
			switch {
			case f.epochs < saved.MinEpochs():
				diffs = append(diffs, fmt.Sprintf("--epochs %d: the run has trained %s already; want at least %d", f.epochs, trained(saved), saved.MinEpochs()))
			case f.epochs > runEpochs:
				notes = append(notes, fmt.Sprintf("extending the run in %s from %d to %d epochs (--epochs)", f.logdir, runEpochs, f.epochs))
			case f.epochs < runEpochs:
				notes = append(notes, fmt.Sprintf("the run in %s now ends after %d epochs instead of %d (--epochs)", f.logdir, f.epochs, runEpochs))
			}
		case k == "stop-at":
			if given != was {
				notes = append(notes, fmt.Sprintf("the run in %s had --stop-at %q and continues with --stop-at %q", f.logdir, was, given))
			}
		case k == "backend":
			if given != was {
				notes = append(notes, fmt.Sprintf("the run in %s trained on the %s backend and continues with --backend %s; on another backend it may not end with the weights of an uninterrupted run", f.logdir, was, given))
			}
		case given != was:
			diffs = append(diffs, fmt.Sprintf("--%s: %s in the run, %s given", k, was, given))
		}
	}
	if f.sched.perStep() && runEpochs >= 0 && f.epochs != runEpochs {
		diffs = append(diffs, fmt.Sprintf("--epochs %d: the run's --schedule %s spans its %d epochs, and other epochs would change it", f.epochs, f.sched.name, runEpochs))
	}
	if len(diffs) > 0 {
		return usagef("--resume continues the run in %s with its own settings; these flags differ from them (leave them out, or start a new run in another --logdir):\n  %s",
			f.logdir, strings.Join(diffs, "\n  "))
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "wgtrain: %s\n", n)
	}
	return nil
}

// trained says how far a saved run got.
func trained(s *trainer.Saved) string {
	t := fmt.Sprintf("%d epochs", s.Epochs)
	if s.Epochs == 1 {
		t = "1 epoch"
	}
	if s.Batches > 0 {
		t += fmt.Sprintf(" and %d batches of epoch %d", s.Batches, s.Epochs+1)
	}
	return t
}

// setSaved sets a flag to a value read from hparams.json: a number, a
// boolean, a string (every value, in files of older versions) or a list
// of them.
func setSaved(fl *pflag.Flag, v any) error {
	if list, ok := v.([]any); ok {
		items := make([]string, len(list))
		for i, x := range list {
			s, err := scalarText(x)
			if err != nil {
				return err
			}
			items[i] = s
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			return sv.Replace(items)
		}
		return fl.Value.Set(strings.Join(items, ","))
	}
	s, err := scalarText(v)
	if err != nil {
		return err
	}
	return fl.Value.Set(s)
}

// scalarText spells a JSON scalar as a flag's argument.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("%v is not a flag value", v)
}

// shown is a flag's value as the resume error shows it: a list as
// comma-separated items.
func shown(fl *pflag.Flag) string {
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		return strings.Join(sv.GetSlice(), ",")
	}
	return fl.Value.String()
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
