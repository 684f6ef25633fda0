package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// recipe is a named set of defaults of wgtrain train. The tutorial's
// experiments differ only in the loss and the metric that picks the best
// epoch; fast is the time-to-accuracy recipe (notes/time-to-accuracy.md
// says how it was chosen). Flags given on the command line win over a
// recipe's defaults.
type recipe struct {
	loss, validMetric string
	// flags are the defaults the recipe gives other flags, by flag name.
	flags map[string]string
	// perDataSet overrides flags for a --dataset: digits, for example, are
	// not flipped.
	perDataSet map[string]map[string]string
}

var recipes = map[string]recipe{
	"exp01": {loss: "ce", validMetric: "accuracy01"},
	"exp02": {loss: "focal", validMetric: "accuracy01"},
	"exp03": {loss: "ce", validMetric: "f1/_micro"},
	"fast": {
		loss: "ce", validMetric: "accuracy01",
		flags: map[string]string{
			"epochs": "3", "batch-size": "16", "optimizer": "adamw", "lr": "3e-3", "schedule": "onecycle",
			"label-smoothing": "0.1", "dropout": "0", "tta": "flip",
		},
		perDataSet: map[string]map[string]string{
			"mnist": {"flip": "false", "tta": "none"},
		},
	},
}

// recipeNames lists the recipes, sorted.
func recipeNames() []string { return slices.Sorted(maps.Keys(recipes)) }

// applyRecipe gives every flag not set on the command line the default of
// --recipe (and of its --dataset override). It runs before --resume reads
// the run's settings, which then take the place of these defaults.
func applyRecipe(fs *pflag.FlagSet, f *trainFlags) error {
	rc, ok := recipes[f.recipe]
	if !ok {
		return usagef("unknown --recipe %q (want %s)", f.recipe, strings.Join(recipeNames(), ", "))
	}
	set := func(defaults map[string]string) error {
		for _, name := range slices.Sorted(maps.Keys(defaults)) {
			fl := fs.Lookup(name)
			if fl == nil {
				return fmt.Errorf("recipe %s sets --%s, which wgtrain train does not have", f.recipe, name)
			}
			if fl.Changed {
				continue
			}
			// Value.Set, not FlagSet.Set: the flag stays "not given", so
			// --resume still takes the run's value for it.
			if err := fl.Value.Set(defaults[name]); err != nil {
				return fmt.Errorf("recipe %s: --%s %q: %w", f.recipe, name, defaults[name], err)
			}
		}
		return nil
	}
	if err := set(rc.flags); err != nil {
		return err
	}
	return set(rc.perDataSet[f.data.dataset])
}

// fastSummary is what --help says the fast recipe does.
const fastSummary = "3 epochs of AdamW at batch 16 with a one-cycle rate peaking at 3e-3, label smoothing 0.1, no dropout, flip TTA; no flips for mnist"
