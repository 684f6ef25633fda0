package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/trainer"
)

func init() {
	register(command{name: "predict", summary: "write a checkpoint's logits on a data split to a predictions file", run: runPredict})
}

func runPredict(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("predict", "--checkpoint FILE --out FILE [--dataset NAME] [--split train|valid|test] [--images PATH...] [FLAGS]", stdout)
	ckpt := fs.String("checkpoint", "", "a resnet9 state_dict in safetensors (checkpoints/best.safetensors of a run, or one saved from PyTorch)")
	data := addDataFlags(fs)
	split := fs.String("split", "test", "train, valid (carved from train with --valid-split and --seed, as wgtrain train does) or test")
	validSplit := fs.Int("valid-split", 5000, "the training run's --valid-split (for --split valid or train)")
	seed := fs.Uint64("seed", 42, "the training run's --seed (for --split valid or train)")
	limit := fs.Int("limit", 0, "use only the first N samples of the split (0: all)")
	batch := fs.Int("batch-size", 256, "samples per batch")
	backend := fs.String("backend", "auto", "auto, webgpu or cpu")
	addGPULimits(fs)
	outPath := fs.String("out", "", "the predictions CSV to write (index,target,logit_0,...); its metadata (class names, split, epoch) goes beside it, .csv replaced by .meta.json")
	temperature := fs.Float64("temperature", 1, "divide the written logits by T > 0 (temperature scaling: the run's report.json has the T fitted on the validation split); 1 leaves them as they are")
	images := fs.StringArray("images", nil, "classify this image file, or the images in this folder (recursively), instead of a data split: no labels; prints path, class and confidence per file, and the metadata lists the files; the paths after the flags are more of them (--images photos/*.jpg)")
	norm := fs.String("normalize", "dataset", "the normalization when the checkpoint's run directory has no hparams.json that says (given, it overrides the run's): dataset, imagenet or none")
	fs.String("tta", "none", ttaUsage+" (default: the run's --tta, from the hparams.json beside the checkpoint's checkpoints/ folder, else none)")
	quiet := fs.Bool("quiet", false, "print nothing but errors and warnings (not what was written, nor the accuracy and macro F1)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		if len(*images) == 0 {
			return usagef("unexpected argument %q (paths of images to classify go after --images)", fs.Arg(0))
		}
		*images = append(*images, fs.Args()...)
	}
	switch {
	case *ckpt == "":
		return usagef("--checkpoint is required")
	case *outPath == "":
		return usagef("--out is required")
	case *limit < 0:
		return usagef("--limit %d: want a number of samples >= 0 (0: all)", *limit)
	case *batch < 1:
		return usagef("--batch-size %d: want at least 1", *batch)
	case *validSplit < 0:
		return usagef("--valid-split %d: want a number of samples >= 0", *validSplit)
	case !(*temperature > 0) || math.IsInf(*temperature, 0):
		return usagef("--temperature %v: want a finite number > 0", *temperature)
	case *split != "train" && *split != "valid" && *split != "test":
		return usagef("--split %q: want train, valid or test", *split)
	case *split == "valid" && *validSplit == 0:
		return usagef("--split valid needs --valid-split N > 0 (the training run's)")
	}
	if tta, _ := fs.GetString("tta"); fs.Changed("tta") {
		if _, err := ttaFlag(tta); err != nil {
			return err
		}
	}
	if _, err := gpuOptions(fs); err != nil {
		return err
	}
	if len(*images) > 0 {
		if err := checkPredictFiles(*ckpt, *outPath, *backend); err != nil {
			return err
		}
		ck, err := trainer.ReadCheckpoint(*ckpt)
		if err != nil {
			return err
		}
		return predictImages(fs, *images, *ckpt, ck, data, *norm, *outPath, *backend, *batch, *temperature, *quiet, stdout, stderr)
	}
	h, hpath, err := runHparams(*ckpt)
	if err != nil {
		return err
	}
	if err := fromRun(fs, h, hpath, data.dataset); err != nil {
		return err
	}
	if err := data.check(); err != nil {
		return err
	}
	if err := checkModelSize(data); err != nil {
		return err
	}
	if err := checkPredictFiles(*ckpt, *outPath, *backend); err != nil {
		return err
	}
	ck, err := trainer.ReadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	data.seed, data.warn = *seed, stderr
	in, classes := ck.InChannels, ck.NumClasses
	ds, err := data.load()
	if err != nil {
		return err
	}
	if len(ds.Classes) != classes || ds.Train.C != in {
		return fmt.Errorf("%s: the checkpoint is for %d-channel images and %d classes; %s has %d channels and %d classes", *ckpt, in, classes, data.dataset, ds.Train.C, len(ds.Classes))
	}
	s := ds.Test
	if *split != "test" {
		s = ds.Train
		if *validSplit > 0 {
			if err := checkValidSplit(*validSplit, ds); err != nil {
				return err
			}
			tr, va, err := datasets.CarveValidation(ds.Train, *validSplit, classes, *seed)
			if err != nil {
				return err
			}
			s = map[string]*datasets.Split{"train": tr, "valid": va}[*split]
		}
	}
	tf, err := predictTransform(fs, h, hpath, *norm, ds)
	if err != nil {
		return err
	}
	l, err := datasets.NewLoader(s, datasets.LoaderOptions{BatchSize: *batch, Limit: *limit, Transform: tf})
	if err != nil {
		return err
	}
	p, err := predictLogits(fs, h, hpath, ck, l, *backend, *temperature, stderr)
	if err != nil {
		return err
	}
	meta := &evalkit.PredictionsMeta{Classes: ds.Classes, Split: *split, Epoch: ck.Epoch(), Dataset: data.dataset, Checkpoint: *ckpt}
	if err := evalkit.WritePredictionsWithMeta(*outPath, p, meta); err != nil {
		return err
	}
	if *quiet {
		return nil
	}
	fmt.Fprintf(stdout, "wrote %d predictions of %s %s to %s\n", len(p.Index), data.dataset, *split, *outPath)
	if ok, _ := p.Labeled(); ok && p.Len() > 0 {
		r, err := evalkit.NewReport(p.Target, p.Logits, p.Classes, nil, evalkit.ReportOptions{})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s split: accuracy %.4f, macro F1 %.4f\n", *split, r.Accuracy, r.Macro.F1)
	}
	return nil
}

// checkPredictFiles reports a --checkpoint that is not there, an --out
// that cannot be written and a bad --backend before any work starts.
func checkPredictFiles(ckpt, out, backend string) error {
	if err := inputFile("--checkpoint", ckpt); err != nil {
		return err
	}
	if err := outputFile("--out", out); err != nil {
		return err
	}
	return checkBackend(backend)
}

// fromRun gives the folder flags not given (--image-size, --channels,
// --test-split, --seed) the values of the checkpoint's run, read from
// its hparams.json h, when that run read the same data set.
func fromRun(fs *pflag.FlagSet, h map[string]any, path, dataset string) error {
	if name, _ := h["dataset"].(string); h == nil || dataset != datasets.Folder || name != dataset {
		return nil
	}
	for _, k := range []string{"image-size", "channels", "test-split", "seed"} {
		if v, ok := h[k]; ok && !fs.Changed(k) {
			if err := setSaved(fs.Lookup(k), v); err != nil {
				return fmt.Errorf("%s: %q: %v", path, k, err)
			}
		}
	}
	return nil
}

// predictTransform is the evaluation transform of ds's images: the
// normalization of the checkpoint's run (hparams.json's statistics)
// unless --normalize is given or the run has none, then --normalize's.
func predictTransform(fs *pflag.FlagSet, h map[string]any, path, norm string, ds *datasets.Dataset) (datasets.Transform, error) {
	mean, std, ok, err := savedStats(h, path)
	if err != nil {
		return datasets.Transform{}, err
	}
	if !ok || fs.Changed("normalize") {
		if mean, std, err = normalization(norm, ds, ds.Train.C); err != nil {
			return datasets.Transform{}, err
		}
	}
	tf := datasets.DefaultTransform(ds.Name)
	if ds.Name == datasets.Folder {
		tf = transformFor(ds.Train.H, nil, nil)
	}
	tf.Mean, tf.Std = mean, std
	return tf, nil
}

// predictLogits runs the checkpoint's model over the loader on --backend
// (with --gpu-limits), with --tta (or the run's, from h read at hpath), and divides the logits
// by the temperature: what both forms of predict write.
func predictLogits(fs *pflag.FlagSet, h map[string]any, hpath string, ck *trainer.Checkpoint, l *datasets.Loader, backend string, temperature float64, stderr io.Writer) (*evalkit.Predictions, error) {
	gopt, err := gpuOptions(fs)
	if err != nil {
		return nil, err
	}
	b, done, err := gpu.Select(backend, gopt, stderr)
	if err != nil {
		return nil, err
	}
	defer done()
	m, err := ck.NewModel(b, 0)
	if err != nil {
		return nil, err
	}
	st := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, KeepLogits: true}
	defer st.Close()
	if st.TTA, err = predictTTA(fs, h, hpath); err != nil {
		return nil, err
	}
	p, err := trainer.Predict(context.Background(), st, l, nil)
	if err != nil {
		return nil, err
	}
	if temperature != 1 {
		p.Logits = evalkit.ScaleLogits(p.Logits, temperature)
	}
	return p, nil
}
