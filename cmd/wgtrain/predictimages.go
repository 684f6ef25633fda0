package main

import (
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/trainer"
)

// imageFiles lists the image files the paths name: a file as given, a
// directory's images (ImageExtensions) recursively, in path order,
// leaving out hidden files and directories and not following symbolic
// links to directories (so a link loop cannot hang it).
func imageFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, usagef("--images %s: %v", p, err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			hidden := path != p && strings.HasPrefix(e.Name(), ".")
			switch {
			case e.IsDir() && hidden:
				return filepath.SkipDir
			case e.IsDir() || hidden:
				return nil
			case slices.Contains(datasets.ImageExtensions, strings.ToLower(filepath.Ext(path))):
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("--images %s: %w", p, err)
		}
		if len(found) == 0 {
			return nil, usagef("--images %s: no image files (%s) in it", p, strings.Join(datasets.ImageExtensions, " "))
		}
		out = append(out, found...)
	}
	return out, nil
}

// imageGeometry is the side of the images a run trained on and the
// classes' names: a folder run's --image-size, a benchmark set's own
// size, else --image-size; the run's class names, else the numbers.
func imageGeometry(h map[string]any, data *dataFlags, classes int) (int, []string) {
	size := data.imageSize
	if h != nil && !data.fs.Changed("image-size") {
		switch name, _ := h["dataset"].(string); name {
		case datasets.Folder:
			if s, err := scalarText(h["image-size"]); err == nil {
				if n, err := strconv.Atoi(s); err == nil {
					size = n
				}
			}
		case "mnist", "fashion-mnist":
			size = 28
		case "cifar10", "cifar100":
			size = 32
		}
	}
	names := make([]string, classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	if list, ok := h[trainer.HparamsClasses].([]any); ok && len(list) == classes {
		for i, v := range list {
			if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
				names[i] = s
			}
		}
	}
	return size, names
}

// predictImages writes the predictions of the checkpoint ck (at ckPath)
// on unlabeled image files, each row's target -1 and the files' paths in
// the metadata's "files", and prints path, class and confidence per file.
func predictImages(fs *pflag.FlagSet, paths []string, ckPath string, ck *trainer.Checkpoint, data *dataFlags, norm, outPath, backend string, batch int, temperature float64, quiet bool, stdout, stderr io.Writer) error {
	if data.fs.Changed("dataset") || fs.Changed("split") || fs.Changed("limit") {
		return usagef("--images classifies the files given: --dataset, --split and --limit do not apply")
	}
	h, hpath, err := runHparams(ckPath)
	if err != nil {
		return err
	}
	size, classes := imageGeometry(h, data, ck.NumClasses)
	if size < 1 || size > modelSize {
		return usagef("--image-size %d: want 1 to %d (resnet9's input)", size, modelSize)
	}
	mean, std, ok, err := savedStats(h, hpath)
	if err != nil {
		return err
	}
	if !ok || fs.Changed("normalize") {
		if mean, std, err = normalization(norm, nil, ck.InChannels); err != nil {
			return err
		}
	}
	files, err := imageFiles(paths)
	if err != nil {
		return err
	}
	c := ck.InChannels
	s := &datasets.Split{Name: "images", C: c, H: size, W: size, Images: make([]uint8, 0, len(files)*c*size*size), Labels: make([]int32, len(files))}
	for _, f := range files {
		img, err := datasets.DecodeImageFile(f, size, c)
		if err != nil {
			return err
		}
		s.Images = append(s.Images, img...)
	}
	l, err := datasets.NewLoader(s, datasets.LoaderOptions{BatchSize: batch, Transform: transformFor(size, mean, std)})
	if err != nil {
		return err
	}
	p, err := predictLogits(fs, h, hpath, ck, l, backend, temperature, stderr)
	if err != nil {
		return err
	}
	for i := range p.Target {
		p.Target[i] = -1
	}
	meta := &evalkit.PredictionsMeta{Classes: classes, Split: "images", Epoch: ck.Epoch(), Checkpoint: ckPath, Files: files}
	if err := evalkit.WritePredictionsWithMeta(outPath, p, meta); err != nil {
		return err
	}
	if quiet {
		return nil
	}
	for i, f := range files {
		k, conf := top(p.Row(i))
		fmt.Fprintf(stdout, "%s\t%s\t%.4f\n", f, classes[k], conf)
	}
	return nil
}

// top returns the arg-max of logits and its softmax probability.
func top(logits []float32) (int, float64) {
	k := 0
	for i, v := range logits {
		if v > logits[k] {
			k = i
		}
	}
	sum := 0.0
	for _, v := range logits {
		sum += math.Exp(float64(v - logits[k]))
	}
	return k, 1 / sum
}
