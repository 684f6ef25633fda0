package main

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// recipeFlags parses args as wgtrain train does and applies the recipe.
func recipeFlags(t *testing.T, args ...string) *trainFlags {
	t.Helper()
	fs, f := trainFlagSet(io.Discard)
	applyArgs(t, fs, f, args...)
	return f
}

// applyArgs parses args into fs and f, made by trainFlagSet, and applies
// the recipe.
func applyArgs(t *testing.T, fs *pflag.FlagSet, f *trainFlags, args ...string) {
	t.Helper()
	if err := parse(fs, args); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	if err := applyRecipe(fs, f); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
}

// TestRecipesSetRealFlags checks that every recipe, on every data set it
// overrides, names only flags that train has, with values they accept.
func TestRecipesSetRealFlags(t *testing.T) {
	for _, name := range recipeNames() {
		recipeFlags(t, "--recipe", name)
		for ds := range recipes[name].perDataSet {
			recipeFlags(t, "--recipe", name, "--dataset", ds)
		}
	}
}

// TestRecipeFastDefaults checks that --recipe fast changes the defaults,
// that flags given win, and that digits are neither flipped nor evaluated
// with flip TTA.
func TestRecipeFastDefaults(t *testing.T) {
	base := recipeFlags(t)
	fast := recipeFlags(t, "--recipe", "fast")
	if fast.epochs == base.epochs && fast.batchSize == base.batchSize && fast.tta == base.tta {
		t.Errorf("--recipe fast changed neither --epochs, --batch-size nor --tta: %d, %d, %q", fast.epochs, fast.batchSize, fast.tta)
	}
	if fast.tta != "flip" || !fast.flip {
		t.Errorf("fashion-mnist: --tta %q --flip %v, want flip and true", fast.tta, fast.flip)
	}
	given := recipeFlags(t, "--recipe", "fast", "--epochs", "7", "--tta", "none")
	if given.epochs != 7 || given.tta != "none" {
		t.Errorf("flags given: --epochs %d --tta %q, want 7 and none", given.epochs, given.tta)
	}
	digits := recipeFlags(t, "--recipe", "fast", "--dataset", "mnist")
	if digits.flip || digits.tta != "none" {
		t.Errorf("mnist: --flip %v --tta %q, want false and none", digits.flip, digits.tta)
	}
	if digits.epochs != fast.epochs {
		t.Errorf("mnist: --epochs %d, want the recipe's %d", digits.epochs, fast.epochs)
	}
}

// TestRecipeUnknown checks that an unknown recipe exits 2 naming --recipe
// and the recipes there are.
func TestRecipeUnknown(t *testing.T) {
	code, _, stderr := wgtrain("train", "--recipe", "nosuch")
	if code != 2 || !strings.Contains(stderr, "--recipe") || !strings.Contains(stderr, "fast") {
		t.Errorf("exit %d, stderr %q: want 2 naming --recipe and listing fast", code, stderr)
	}
}

// TestRecipeFastOnMNISTFiles runs --recipe fast end to end on a small
// MNIST-format data set (random digits in IDX files, as the data set's
// own file names): the run records the recipe's settings, with the
// digits' overrides (no flip, no flip TTA), in hparams.json.
func TestRecipeFastOnMNISTFiles(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sp := range []struct {
		name string
		n    int
	}{{"train", 96}, {"t10k", 32}} {
		images := make([]byte, sp.n*28*28)
		for i := range images {
			images[i] = byte(rng.IntN(256))
		}
		labels := make([]byte, sp.n)
		for i := range labels {
			labels[i] = byte(i % 10)
		}
		writeIDX(t, filepath.Join(dir, sp.name+"-images-idx3-ubyte"), []uint32{0x803, uint32(sp.n), 28, 28}, images)
		writeIDX(t, filepath.Join(dir, sp.name+"-labels-idx1-ubyte"), []uint32{0x801, uint32(sp.n)}, labels)
	}
	logdir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := wgtrain("train", "--recipe", "fast", "--dataset", "mnist", "--data-dir", dir, "--epochs", "1",
		"--width", "4", "--valid-split", "20", "--backend", "cpu", "--quiet", "--logdir", logdir)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	h := runHparamsJSON(t, logdir)
	if h["recipe"] != "fast" || h["flip"] != false || h["tta"] != "none" {
		t.Errorf("hparams recipe %v flip %v tta %v: want fast, false, none", h["recipe"], h["flip"], h["tta"])
	}
	fs, f := trainFlagSet(io.Discard)
	applyArgs(t, fs, f, "--recipe", "fast", "--dataset", "mnist", "--epochs", "1")
	for name := range recipes["fast"].flags {
		want, _ := json.Marshal(flagValue(fs.Lookup(name)))
		got, _ := json.Marshal(h[name])
		if string(got) != string(want) {
			t.Errorf("hparams %s = %s, want the recipe's %s", name, got, want)
		}
	}
}
