package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
	"github.com/wgtrain/wgtrain/trainer/dist"
)

func init() {
	register(command{name: "train", summary: "train resnet9 (no flags: the tutorial's exp01 on Fashion-MNIST)", run: runTrain})
}

// progressInterval is the time between progress lines during an epoch
// when the output is not a terminal; 0 is the trainer's default. Tests
// shorten it.
var progressInterval time.Duration

// trainFlags are wgtrain train's flags.
type trainFlags struct {
	recipe, logdir, backend, loss, validMetric, initFrom string
	stopAt                                               string
	width, epochs, batchSize, validSplit                 int
	trainLimit, validLimit, testLimit                    int
	lr, gamma, dropout, longTail, focalGamma, focalAlpha float64
	milestones                                           []int
	lossWeights                                          []float64
	seed                                                 uint64
	minimize, shuffle, resume, augment, flip, quiet      bool
	data                                                 *dataFlags

	// normalize is --normalize; normMean and normStd the statistics in
	// effect, taken from the run's hparams.json when resuming (normSaved).
	normalize         string
	normMean, normStd []float32
	normSaved         bool

	tta string // --tta

	dataOnDevice string // --data-on-device

	comm dist.Comm // the ranks of the run (trainComm)

	ema      float64 // --ema
	emaEvery int     // --ema-every

	labelSmoothing float64 // --label-smoothing

	sched     scheduleFlags  // --schedule and OneCycleLR's flags
	optim     optimizerFlags // --optimizer, --momentum, --nesterov, --weight-decay
	optimizer trainer.OptimizerConfig
}

func trainFlagSet(stdout io.Writer) (*pflag.FlagSet, *trainFlags) {
	f := &trainFlags{}
	fs := newFlags("train", "[FLAGS]", stdout)
	fs.StringVar(&f.recipe, "recipe", "exp01", "exp01, exp02 or exp03, the tutorial's experiments (cross-entropy, focal loss, cross-entropy best by f1/_micro), or fast, the time-to-accuracy recipe ("+fastSummary+"); every run logs precision/recall/F1/support and the confusion matrix; flags given override the recipe's")
	f.data = addDataFlags(fs)
	fs.IntVar(&f.width, "width", 16, "resnet9 width (channels of the first block; the tutorial's size)")
	fs.Float64Var(&f.dropout, "dropout", 0.2, "dropout before the classifier")
	fs.IntVar(&f.epochs, "epochs", 10, "epochs to train")
	fs.IntVar(&f.batchSize, "batch-size", 32, "samples per batch")
	fs.Float64Var(&f.lr, "lr", 1e-3, "the optimizer's learning rate; with --schedule multistep the base rate, with onecycle or linear the peak rate (OneCycleLR's max_lr)")
	f.optim.add(fs)
	fs.IntSliceVar(&f.milestones, "milestones", []int{5, 8}, "MultiStepLR: epochs at which the rate is multiplied by --gamma")
	fs.Float64Var(&f.gamma, "gamma", 0.3, "MultiStepLR's factor")
	addScheduleFlags(fs, &f.sched)
	fs.StringVar(&f.loss, "loss", "", "ce, focal or ce+focal (default: the recipe's)")
	fs.Float64SliceVar(&f.lossWeights, "loss-weights", []float64{0.5, 0.5}, "the weights `CE,FOCAL` of the two losses for --loss ce+focal")
	fs.Float64Var(&f.focalGamma, "focal-gamma", 2, "focal loss focusing parameter")
	fs.Float64Var(&f.focalAlpha, "focal-alpha", 0.25, "focal loss class weight")
	fs.Float64Var(&f.labelSmoothing, "label-smoothing", 0, "label smoothing `EPS` of the cross-entropy (--loss ce, and the CE term of ce+focal), as nn.CrossEntropyLoss(label_smoothing=EPS): each target is (1-EPS)*onehot + EPS/classes; 0 <= EPS < 1, 0: off")
	fs.StringVar(&f.validMetric, "valid-metric", "", "the logged key that picks the best epoch: accuracy01, f1/_micro, loss, ... (default: the recipe's)")
	fs.BoolVar(&f.minimize, "minimize", false, "the best epoch has the smallest --valid-metric")
	fs.StringVar(&f.stopAt, "stop-at", "", "stop at the end of the first epoch whose valid `KEY=VALUE` target is reached (KEY >= VALUE; <= with --minimize, or for a KEY other than --valid-metric, <= for loss keys); the time to it goes to metrics.json and the summary")
	fs.StringVar(&f.logdir, "logdir", "", "run directory (default: logs/<recipe>)")
	fs.Uint64Var(&f.seed, "seed", 42, "seed of the initialization, the shuffles, the validation split, augmentation and dropout")
	fs.StringVar(&f.backend, "backend", "auto", "auto (WebGPU on a hardware adapter, else CPU), webgpu or cpu")
	addGPULimits(fs)
	fs.BoolVar(&f.shuffle, "shuffle", true, "shuffle the training data every epoch (--shuffle=false keeps the file order, as the tutorial)")
	fs.BoolVar(&f.augment, "augment", false, "train-time augmentation: random crop with padding 4 and horizontal flip (folder: random resized crop and flip)")
	fs.BoolVar(&f.flip, "flip", true, "with --augment, flip horizontally too (--flip=false for digits and text)")
	fs.StringVar(&f.normalize, "normalize", "dataset", "per-channel normalization: dataset (a folder's training-split statistics, a benchmark set's published ones), imagenet or none; recorded in hparams.json")
	fs.Float64Var(&f.longTail, "long-tail", 0, "make the training split long-tailed with this imbalance ratio (largest/smallest class; 0: off)")
	fs.IntVar(&f.trainLimit, "train-limit", 0, "use only the first N training samples (0: all)")
	fs.IntVar(&f.validLimit, "valid-limit", 0, "use only the first N validation samples (0: all)")
	fs.IntVar(&f.testLimit, "test-limit", 0, "use only the first N test samples (0: all)")
	fs.IntVar(&f.validSplit, "valid-split", 5000, "hold out N training samples (stratified, seeded) as the validation split; 0 validates on the test split, as the tutorial does")
	fs.StringVar(&f.initFrom, "init-from", "", "start from this safetensors state_dict (e.g. a PyTorch-initialized resnet9)")
	fs.BoolVar(&f.resume, "resume", false, "continue the run in --logdir from its last checkpoint with the run's settings (flags given must agree with them, except --epochs, not with --schedule onecycle or linear, and --backend)")
	fs.StringVar(&f.tta, "tta", "none", ttaUsage+"; recorded in hparams.json, which predict reads")
	fs.Float64Var(&f.ema, "ema", 0, "keep an exponential moving average of the weights with this `DECAY` (0 <= DECAY < 1; 0: off), evaluated and saved as the run's model (best.safetensors; last_ema.safetensors beside last)")
	fs.IntVar(&f.emaEvery, "ema-every", 1, "update the --ema average after every `K`-th optimizer step")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.StringVar(&f.dataOnDevice, "data-on-device", trainer.DataAuto, "where training batches are made: auto (on a WebGPU device, from the training images uploaded once as bytes: each step uploads only its indices and draws; on the host with the CPU backend), on (on the CPU backend too) or off (on the host, uploaded every step); the batches are the same bit for bit, and a data set too large for the device, or the folder's resized crop, stays on the host (said on stderr)")
	return fs, f
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs, f := trainFlagSet(stdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := trainComm()
	if err != nil {
		return err
	}
	defer c.Close()
	f.comm = c
	if c.Rank() != 0 {
		// Only rank 0 talks; the other ranks' errors end the run (endRanks).
		f.quiet, stdout, stderr = true, io.Discard, io.Discard
	}
	err = f.train(fs, stdout, stderr)
	code := 1
	if errors.As(err, new(usageError)) {
		code = 2
	}
	return endRanks(c, err, code)
}

// train runs wgtrain train on this rank, after its flags are parsed.
func (f *trainFlags) train(fs *pflag.FlagSet, stdout, stderr io.Writer) error {
	var early context.Context // the signals of a run of several ranks
	if f.comm.Size() > 1 {
		// From the start: a rank still loading the data when Ctrl-C or
		// scancel's SIGTERM comes must not die while the others save.
		var stop func()
		early, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	if err := applyRecipe(fs, f); err != nil {
		return err
	}
	if err := f.resumeSettings(fs, stderr); err != nil {
		return err
	}
	cfg, cleanup, err := f.config(fs, stderr)
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if early != nil {
		ctx = early
	}
	res, err := trainer.Run(ctx, cfg)
	if errors.Is(err, trainer.ErrInterrupted) {
		return interrupted{fmt.Sprintf("interrupted; a checkpoint was saved: continue with wgtrain train --resume --logdir %s", shellQuote(cfg.LogDir))}
	}
	if nf := (*trainer.NonFiniteLossError)(nil); errors.As(err, &nf) {
		return fmt.Errorf("%w; try a smaller --lr than %g", err, f.lr)
	}
	if err != nil {
		return err
	}
	printSummary(stdout, cfg, res)
	if n := f.comm.Size(); n > 1 {
		fmt.Fprintf(stdout, "data-parallel: %d ranks × batch %d = global batch %d\n", n, f.batchSize, n*f.batchSize)
	}
	return nil
}

// summaryTimes is the summary's lines on time: the training time and,
// with --stop-at, the time to its target.
func summaryTimes(w io.Writer, cfg trainer.Config, res *trainer.Result) {
	epochs := fmt.Sprintf("%d epochs", res.Epochs)
	if res.Epochs == 1 {
		epochs = "1 epoch"
	}
	fmt.Fprintf(w, "training time: %.1f s for %s\n", res.TrainS, epochs)
	if res.LossScale > 0 {
		fmt.Fprintf(w, "f16 loss scaling: final scale %g, %d steps skipped for non-finite gradients\n", res.LossScale, res.SkippedSteps)
	}
	if s := res.StopAt; s != nil {
		if s.Reached {
			fmt.Fprintf(w, "time to %s %s: %.1f s at epoch %d\n", s.Loader, s.StopAt, s.ElapsedS, s.Epoch)
		} else {
			fmt.Fprintf(w, "time to %s %s: not reached in %s\n", s.Loader, s.StopAt, epochs)
		}
	}
}

// printSummary prints the end of a run: the best model, the test split's
// accuracy and macro F1 with the report's path, the verdict of the
// per-class thresholds' cross-validation on the valid split, and the run
// directory.
func printSummary(w io.Writer, cfg trainer.Config, res *trainer.Result) {
	fmt.Fprintf(w, "best model: epoch %d (%s %s %.4f)\n", res.BestEpoch, cfg.Valid, cfg.ValidMetric, res.BestMetric)
	if m, ok := res.Final["test"]; ok {
		fmt.Fprintf(w, "test split: accuracy %.4f, macro F1 %.4f", m["accuracy01"], m["f1/_macro"])
		if res.Report != nil && res.Report.Split == "test" {
			fmt.Fprintf(w, "; report %s", trainer.RunDir(cfg.LogDir).Report())
		}
		fmt.Fprintln(w)
	}
	if res.ThresholdsCV != nil {
		fmt.Fprintf(w, "per-class thresholds: %s\n", res.ThresholdsCV.Verdict())
	} else if res.ThresholdsCVNote != "" {
		fmt.Fprintf(w, "per-class thresholds: %s\n", res.ThresholdsCVNote)
	}
	summaryTimes(w, cfg, res)
	fmt.Fprintf(w, "run directory %s\n", cfg.LogDir)
}

// config checks every flag and builds the run before any work starts.
func (f *trainFlags) config(fs *pflag.FlagSet, stderr io.Writer) (trainer.Config, func(), error) {
	var cfg trainer.Config
	rc, ok := recipes[f.recipe]
	if !ok {
		return cfg, nil, usagef("unknown --recipe %q (want %s)", f.recipe, strings.Join(recipeNames(), ", "))
	}
	if f.loss == "" {
		f.loss = rc.loss
	}
	if f.validMetric == "" {
		f.validMetric = rc.validMetric
	}
	if f.logdir == "" {
		f.logdir = filepath.Join("logs", f.recipe)
	}
	switch {
	case f.width < 1 || f.width > 512:
		return cfg, nil, usagef("--width %d: want 1..512", f.width)
	case !slices.Contains([]string{trainer.DataAuto, trainer.DataDevice, trainer.DataHost}, f.dataOnDevice):
		return cfg, nil, usagef("--data-on-device %q: want %s, %s or %s", f.dataOnDevice, trainer.DataAuto, trainer.DataDevice, trainer.DataHost)
	case f.epochs < 1:
		return cfg, nil, usagef("--epochs %d: want at least 1", f.epochs)
	case f.batchSize < 1:
		return cfg, nil, usagef("--batch-size %d: want at least 1", f.batchSize)
	case !(f.lr > 0) || math.IsInf(f.lr, 1):
		return cfg, nil, usagef("--lr %g: want a finite positive rate", f.lr)
	case !(f.gamma > 0) || math.IsInf(f.gamma, 1):
		return cfg, nil, usagef("--gamma %g: want a finite positive factor", f.gamma)
	case !(f.dropout >= 0 && f.dropout < 1):
		return cfg, nil, usagef("--dropout %g: want 0 <= p < 1", f.dropout)
	case f.longTail != 0 && (!(f.longTail >= 1) || math.IsInf(f.longTail, 1)):
		return cfg, nil, usagef("--long-tail %g: want a finite imbalance ratio >= 1 (or 0 for off)", f.longTail)
	case !(f.ema >= 0 && f.ema < 1):
		return cfg, nil, usagef("--ema %g: want a decay with 0 <= DECAY < 1 (0: off)", f.ema)
	case f.emaEvery < 1:
		return cfg, nil, usagef("--ema-every %d: want at least 1", f.emaEvery)
	}
	if err := f.checkValues(); err != nil {
		return cfg, nil, err
	}
	schedule, err := f.sched.config(fs)
	if err != nil {
		return cfg, nil, err
	}
	if f.optimizer, err = f.optim.config(fs); err != nil {
		return cfg, nil, err
	}
	tta, err := ttaFlag(f.tta)
	if err != nil {
		return cfg, nil, err
	}
	if err := checkBackend(f.backend); err != nil {
		return cfg, nil, err
	}
	gopt, err := gpuOptions(fs)
	if err != nil {
		return cfg, nil, err
	}
	criteria, weights, err := lossFlags(f)
	if err != nil {
		return cfg, nil, err
	}
	if err := checkModelSize(f.data); err != nil {
		return cfg, nil, err
	}
	if f.data.seed, f.data.warn = f.seed, stderr; !f.quiet {
		f.data.progress = stderr
	}
	ds, err := f.data.load()
	if err != nil {
		return cfg, nil, err
	}
	tf, err := f.transform(ds)
	if err != nil {
		return cfg, nil, err
	}
	classes := len(ds.Classes)
	var stop *trainer.StopAt
	if keys, err := trainer.LoggedKeys(classes, criteria); err != nil {
		return cfg, nil, err
	} else if !slices.Contains(keys, f.validMetric) {
		return cfg, nil, usagef("--valid-metric %q: not a logged key; want one of %s", f.validMetric, trainer.KeyList(keys))
	} else if stop, err = parseStopAt(f.stopAt, keys, f.validMetric, f.minimize); err != nil {
		return cfg, nil, err
	}
	train, valid, test := ds.Train, ds.Test, ds.Test
	if f.validSplit > 0 {
		if err := checkValidSplit(f.validSplit, ds); err != nil {
			return cfg, nil, err
		}
		if train, valid, err = datasets.CarveValidation(ds.Train, f.validSplit, classes, f.seed); err != nil {
			return cfg, nil, err
		}
	}
	if f.longTail > 0 {
		if train, err = datasets.LongTail(train, classes, f.longTail, f.seed); err != nil {
			return cfg, nil, err
		}
	}
	// Each rank takes its shard of every loader: the training one padded
	// as DistributedSampler, the others not (datasets.Shard).
	loader := func(s *datasets.Split, limit int, shuffle, augment, train bool) (*datasets.Loader, error) {
		t := tf
		t.Augment = augment
		t.NoFlip = !f.flip
		shard := datasets.Shard{Rank: f.comm.Rank(), Size: f.comm.Size(), Pad: train}
		return datasets.NewLoader(s, datasets.LoaderOptions{BatchSize: f.batchSize, Shuffle: shuffle, Seed: f.seed, Limit: limit, Transform: t, Shard: shard})
	}
	trainL, err := loader(train, f.trainLimit, f.shuffle, f.augment, true)
	if err != nil {
		return cfg, nil, err
	}
	if err := f.sched.checkSteps(f.epochs * trainL.Batches()); err != nil {
		return cfg, nil, err
	}
	validLimit := f.validLimit
	if f.validSplit == 0 && validLimit == 0 {
		validLimit = f.testLimit
	}
	validL, err := loader(valid, validLimit, false, false, false)
	if err != nil {
		return cfg, nil, err
	}
	testL, err := loader(test, f.testLimit, false, false, false)
	if err != nil {
		return cfg, nil, err
	}
	gopt.Index = f.comm.LocalRank()
	b, done, err := gpu.Select(f.backend, gopt, stderr)
	if err != nil {
		return cfg, nil, err
	}
	cleanup := func() { done() }
	m, err := graph.NewResNet9(b, train.C, classes, f.width, float32(f.dropout))
	if err != nil {
		return cfg, cleanup, err
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(f.seed, 0x5eed))); err != nil {
		return cfg, cleanup, err
	}
	if f.initFrom != "" && !f.resume {
		if err := trainer.LoadState(f.initFrom, m); err != nil {
			return cfg, cleanup, err
		}
	}
	var progress io.Writer = stderr
	if f.quiet {
		progress = nil
	}
	cfg = trainer.Config{
		Model: m, Criteria: criteria, Weights: weights,
		LR: f.lr, Optimizer: f.optimizer, Milestones: f.milestones, Gamma: f.gamma, Epochs: f.epochs, Schedule: schedule,
		Train: trainL, Eval: []trainer.Named{{Name: "valid", Loader: validL}}, Valid: "valid",
		ValidMetric: f.validMetric, Minimize: f.minimize, StopAt: stop, TTA: tta,
		EMA: f.ema, EMAEvery: f.emaEvery,
		Predict:    []trainer.Named{{Name: "valid", Loader: validL}, {Name: "test", Loader: testL}},
		Report:     "test",
		ClassNames: ds.Classes, LogDir: f.logdir, Seed: f.seed, LoadBestOnEnd: true,
		Resume: f.resume, Progress: progress, ProgressInterval: progressInterval,
		Hparams: f.hparams(fs, b, ds), Comm: f.comm,
		DataOnDevice: f.dataOnDevice, Warn: stderr,
	}
	return cfg, cleanup, nil
}

// transform is the run's transform of ds's images: --normalize's
// statistics (the run's own when resuming), a folder's images
// zero-padded to resnet9's 32×32 and augmented with a random resized crop
// instead of the padded crop.
func (f *trainFlags) transform(ds *datasets.Dataset) (datasets.Transform, error) {
	if !f.normSaved {
		var err error
		if f.normMean, f.normStd, err = normalization(f.normalize, ds, ds.Train.C); err != nil {
			return datasets.Transform{}, err
		}
	}
	tf := datasets.DefaultTransform(f.data.dataset)
	if ds.Name == datasets.Folder {
		tf = transformFor(ds.Train.H, nil, nil)
		tf.ResizedCrop = true
	}
	tf.Mean, tf.Std = f.normMean, f.normStd
	return tf, nil
}

// lossFlags turns --loss, --loss-weights, --label-smoothing and the focal
// flags into criteria.
func lossFlags(f *trainFlags) ([]graph.Criterion, []float32, error) {
	if err := checkFocal(f.focalGamma, f.focalAlpha); err != nil {
		return nil, nil, err
	}
	if err := checkLabelSmoothing(f.labelSmoothing, f.loss); err != nil {
		return nil, nil, err
	}
	ce := graph.CrossEntropy{Smoothing: float32(f.labelSmoothing)}
	focal := graph.SigmoidFocal{Spec: ops.FocalSpec{Gamma: float32(f.focalGamma), Alpha: float32(f.focalAlpha)}}
	if err := ops.CheckFocal("focal", focal.Spec); err != nil {
		return nil, nil, usagef("--focal-gamma/--focal-alpha: %v", err)
	}
	switch f.loss {
	case "ce":
		return []graph.Criterion{ce}, nil, nil
	case "focal":
		return []graph.Criterion{focal}, nil, nil
	case "ce+focal":
		if err := checkLossWeights(f.lossWeights); err != nil {
			return nil, nil, err
		}
		return []graph.Criterion{ce, focal}, []float32{float32(f.lossWeights[0]), float32(f.lossWeights[1])}, nil
	}
	return nil, nil, usagef("unknown --loss %q (want ce, focal or ce+focal)", f.loss)
}

// hparams records every setting of the run, as docs/SPEC.md §7 says:
// numbers, booleans and lists of numbers as JSON's own types.
func (f *trainFlags) hparams(fs *pflag.FlagSet, b ops.Backend, ds *datasets.Dataset) map[string]any {
	h := map[string]any{}
	fs.VisitAll(func(fl *pflag.Flag) {
		h[fl.Name] = flagValue(fl)
	})
	h["loss"], h["valid-metric"], h["logdir"] = f.loss, f.validMetric, f.logdir
	weights := make([]any, len(f.lossWeights)) // pflag spells float lists with %f, losing digits
	for i, w := range f.lossWeights {
		weights[i] = jsonNumber(strconv.FormatFloat(w, 'g', -1, 64))
	}
	h["loss-weights"] = weights
	h["backend"] = b.Name()
	delete(h, "gpu-limits") // the set in use, not the flag (not a hyperparameter: --resume does not take it back)
	if g, ok := b.(*gpu.Backend); ok {
		h["gpu-limits"] = g.Limits().Set
	}
	h[trainer.HparamsClasses] = ds.Classes
	h[hparamsNormMean], h[hparamsNormStd] = statsJSON(f.normMean), statsJSON(f.normStd)
	h["data-dir"] = ds.Dir
	f.optim.record(h, f.optimizer)
	if n := f.comm.Size(); n > 1 {
		// The sharding and the global batch depend on it; a resumed
		// run keeps it.
		h["ranks"] = n
	}
	delete(h, "quiet")
	delete(h, "data-on-device") // where batches are made: the same batches either way
	return h
}

// flagValue is a flag's value as hparams.json holds it: a number, a
// boolean, a list of numbers, or a string for anything else (and for a
// number JSON cannot hold: NaN, ±Inf).
func flagValue(fl *pflag.Flag) any {
	kind := fl.Value.Type()
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		items := sv.GetSlice()
		if !numeric(strings.TrimSuffix(kind, "Slice")) {
			return items
		}
		out := make([]any, len(items))
		for i, s := range items {
			out[i] = jsonNumber(s)
		}
		return out
	}
	s := fl.Value.String()
	switch {
	case kind == "bool":
		if v, err := strconv.ParseBool(s); err == nil {
			return v
		}
	case numeric(kind):
		return jsonNumber(s)
	}
	return s
}

// numeric reports whether a pflag value type holds a number.
func numeric(kind string) bool {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "count":
		return true
	}
	return false
}

// jsonNumber is s as a JSON number, or s itself when it spells none.
func jsonNumber(s string) any {
	if s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s)) {
		return json.Number(s)
	}
	return s
}
