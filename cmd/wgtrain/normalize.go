package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wgtrain/wgtrain/datasets"
)

// The keys of hparams.json that hold the per-channel statistics a run
// normalized its images with (empty lists: no normalization).
const (
	hparamsNormMean = "normalize-mean"
	hparamsNormStd  = "normalize-std"
)

// modelSize is the side of resnet9's input: smaller images are zero-padded
// to it, larger ones are refused.
const modelSize = 32

// normalization returns the per-channel statistics --normalize names for
// the loaded data set ds with c channels: "dataset", the data set's own
// (a folder's training-split statistics, a benchmark set's published
// constants), "imagenet" (for one channel the mean of the three), or
// "none" (nil, nil).
func normalization(mode string, ds *datasets.Dataset, c int) (mean, std []float32, err error) {
	switch mode {
	case "none":
		return []float32{}, []float32{}, nil
	case "imagenet":
		if c == 1 {
			m, s := 0.0, 0.0
			for i := range 3 {
				m += float64(datasets.ImageNetMean[i]) / 3
				s += float64(datasets.ImageNetStd[i]) / 3
			}
			return []float32{float32(m)}, []float32{float32(s)}, nil
		}
		return datasets.ImageNetMean, datasets.ImageNetStd, nil
	case "dataset":
		if ds != nil && ds.Mean != nil {
			return ds.Mean, ds.Std, nil
		}
		if ds != nil {
			t := datasets.DefaultTransform(ds.Name)
			return t.Mean, t.Std, nil
		}
		return nil, nil, usagef("--normalize dataset needs the data set's statistics: give --normalize imagenet or none, or a checkpoint inside a run directory (its hparams.json holds them)")
	}
	return nil, nil, usagef("--normalize %q: want dataset, imagenet or none", mode)
}

// transformFor is the evaluation transform of images of side size with
// the statistics mean and std: zero-padded to resnet9's 32×32, normalized.
func transformFor(size int, mean, std []float32) datasets.Transform {
	return datasets.Transform{PadTo: max(size, modelSize), Mean: mean, Std: std}
}

// checkModelSize refuses a folder's --image-size that resnet9 cannot take.
func checkModelSize(d *dataFlags) error {
	if d.dataset == datasets.Folder && d.imageSize > modelSize {
		return usagef("--image-size %d: resnet9 takes images of at most %d×%d (smaller ones are zero-padded to %d, as Fashion-MNIST's 28×28)", d.imageSize, modelSize, modelSize, modelSize)
	}
	return nil
}

// runHparams reads the hparams.json of the run a checkpoint belongs to
// (RUN/checkpoints/NAME.safetensors → RUN/hparams.json): nil and no
// error when there is none.
func runHparams(ckpt string) (map[string]any, string, error) {
	path := filepath.Join(filepath.Dir(filepath.Dir(ckpt)), "hparams.json")
	if filepath.Base(filepath.Dir(ckpt)) != "checkpoints" {
		return nil, "", nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, path, err
	}
	var h map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&h); err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	return h, path, nil
}

// savedStats reads the normalization statistics of a run's hparams:
// ok false when it holds none (a run of an older version).
func savedStats(h map[string]any, path string) (mean, std []float32, ok bool, err error) {
	m, okm := h[hparamsNormMean]
	s, oks := h[hparamsNormStd]
	if !okm || !oks {
		return nil, nil, false, nil
	}
	if mean, err = floatList(m); err == nil {
		std, err = floatList(s)
	}
	if err == nil && len(mean) != len(std) {
		err = fmt.Errorf("%d means and %d standard deviations", len(mean), len(std))
	}
	for _, x := range std {
		if err == nil && !(x > 0) {
			err = fmt.Errorf("standard deviation %v", x)
		}
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("%s: %q/%q: %v", path, hparamsNormMean, hparamsNormStd, err)
	}
	return mean, std, true, nil
}

// floatList reads a JSON list of numbers.
func floatList(v any) ([]float32, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%v is not a list of numbers", v)
	}
	out := make([]float32, len(list))
	for i, x := range list {
		s, err := scalarText(x)
		if err != nil {
			return nil, err
		}
		var f float64
		if _, err := fmt.Sscan(s, &f); err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		out[i] = float32(f)
	}
	return out, nil
}

// statsJSON spells statistics for hparams.json: exact float32 numbers.
func statsJSON(v []float32) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = jsonNumber(fmt.Sprint(x))
	}
	return out
}
