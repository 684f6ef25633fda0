package main

import (
	"io"
	"strings"
	"testing"
)

// recipeFlags parses args as wgtrain train does and applies the recipe.
func recipeFlags(t *testing.T, args ...string) *trainFlags {
	t.Helper()
	fs, f := trainFlagSet(io.Discard)
	if err := parse(fs, args); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	if err := applyRecipe(fs, f); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return f
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
