package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/trainer"
)

// ttaUsage is the help of train's and predict's --tta.
const ttaUsage = "test-time augmentation of evaluation and predictions: none, or flip (the mean logits of each image and its mirror image; twice the evaluation time)"

// ttaFlag checks a --tta value: none or flip.
func ttaFlag(s string) (trainer.TTA, error) {
	t, err := trainer.ParseTTA(s)
	if err != nil || s == "" {
		return "", usagef("--tta %q: want none or flip", s)
	}
	return t, nil
}

// predictTTA is predict's test-time augmentation: --tta when given, else
// the run's (the "tta" of the hparams.json at path, h) when it records
// one, else none.
func predictTTA(fs *pflag.FlagSet, h map[string]any, path string) (trainer.TTA, error) {
	if fs.Changed("tta") {
		s, _ := fs.GetString("tta")
		return ttaFlag(s)
	}
	v, ok := h["tta"]
	if !ok {
		return trainer.TTANone, nil
	}
	s, _ := v.(string)
	t, err := trainer.ParseTTA(s)
	if err != nil || s == "" {
		return "", fmt.Errorf("%s: \"tta\": %v: want \"none\" or \"flip\" (or give --tta)", path, v)
	}
	return t, nil
}
