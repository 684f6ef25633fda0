package main

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/trainer"
)

// optionalFloat is a float flag that knows whether it was set, on the
// command line or from a resumed run's hparams.json, so that its default
// may depend on another flag (--momentum's on --optimizer). Unset, it
// shows no value and --help shows no default.
type optionalFloat struct {
	v   float64
	set bool
}

func (o *optionalFloat) String() string {
	if !o.set {
		return ""
	}
	return strconv.FormatFloat(o.v, 'g', -1, 64)
}

func (o *optionalFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	o.v, o.set = v, true
	return nil
}

// Type is float64, so that hparams.json records the value as a number.
func (o *optionalFloat) Type() string { return "float64" }

// or returns the value, or def when it was not set.
func (o *optionalFloat) or(def float64) float64 {
	if o.set {
		return o.v
	}
	return def
}

// optimizerFlags are train's --optimizer, --momentum, --nesterov and
// --weight-decay.
type optimizerFlags struct {
	name                  string
	momentum, weightDecay optionalFloat
	nesterov              bool
}

// defaultMomentum is --momentum's value with --optimizer sgd when not
// given; adamwWeightDecay is --weight-decay's with adamw, torch.optim.AdamW's.
const (
	defaultMomentum  = 0.9
	adamwWeightDecay = 0.01
)

func (o *optimizerFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&o.name, "optimizer", "adam", "adam (torch.optim.Adam, betas 0.9,0.999), adamw (torch.optim.AdamW: weight decay decoupled from the gradient) or sgd (torch.optim.SGD); recorded in hparams.json")
	fs.Var(&o.momentum, "momentum", "SGD's momentum `M`, 0 <= M < 1 (--optimizer sgd only; 0.9 when not given, 0: plain gradient descent)")
	fs.BoolVar(&o.nesterov, "nesterov", false, "Nesterov momentum (--optimizer sgd only, with --momentum > 0)")
	fs.Var(&o.weightDecay, "weight-decay", "torch.optim's weight_decay `WD`: an L2 penalty added to the gradient with adam and sgd, decoupled from it with adamw; when not given 0 for adam and sgd, and torch.optim.AdamW's 0.01 for adamw")
}

// config checks the flags (usage errors naming the flag) and returns the
// trainer's optimizer with the defaults filled in. A flag counts as given
// when it is on the command line (fs.Changed): a resumed run's own
// values, set from its hparams.json, are not refused.
func (o *optimizerFlags) config(fs *pflag.FlagSet) (trainer.OptimizerConfig, error) {
	var c trainer.OptimizerConfig
	switch o.name {
	case "adam", "adamw", "sgd":
	default:
		return c, usagef("--optimizer %q: want adam, adamw or sgd", o.name)
	}
	c.Name = o.name
	if o.name != "sgd" {
		if fs.Changed("momentum") {
			return c, usagef("--momentum %s: only --optimizer sgd has a momentum (--optimizer %s)", o.momentum.String(), o.name)
		}
		if fs.Changed("nesterov") && o.nesterov {
			return c, usagef("--nesterov: only --optimizer sgd has Nesterov momentum (--optimizer %s)", o.name)
		}
	} else {
		c.Momentum, c.Nesterov = o.momentum.or(defaultMomentum), o.nesterov
		if !(c.Momentum >= 0 && c.Momentum < 1) {
			return c, usagef("--momentum %g: want 0 <= M < 1", c.Momentum)
		}
		if c.Nesterov && c.Momentum == 0 {
			return c, usagef("--nesterov: needs --momentum > 0")
		}
	}
	def := 0.0
	if o.name == "adamw" {
		def = adamwWeightDecay
	}
	c.WeightDecay = o.weightDecay.or(def)
	if !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 1) {
		return c, usagef("--weight-decay %g: want a finite number >= 0", c.WeightDecay)
	}
	return c, nil
}

// record writes the settings in effect to hparams: the defaults filled
// in, momentum 0 for adam and adamw (they have none), so that --resume
// takes them back as they were.
func (o *optimizerFlags) record(h map[string]any, c trainer.OptimizerConfig) {
	num := func(x float64) any { return jsonNumber(strconv.FormatFloat(x, 'g', -1, 64)) }
	h["optimizer"], h["momentum"], h["nesterov"], h["weight-decay"] = c.Name, num(c.Momentum), c.Nesterov, num(c.WeightDecay)
}

// unrecordedSettings are settings as a run of a wgtrain that did not
// record them trained: the optimizer's (before --optimizer) and the label
// smoothing (before --label-smoothing). --resume takes them for such a
// run, so that it continues as Adam without smoothing, and a different
// value given is refused.
var unrecordedSettings = map[string]any{"optimizer": "adam", "momentum": json.Number("0"), "nesterov": false, "weight-decay": json.Number("0"),
	"label-smoothing": json.Number("0")}

// fillUnrecorded adds unrecordedSettings that h lacks.
func fillUnrecorded(h map[string]any) {
	for k, v := range unrecordedSettings {
		if _, ok := h[k]; !ok {
			h[k] = v
		}
	}
}
