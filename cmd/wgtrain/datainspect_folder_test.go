package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeFolder writes n 12×10 PNGs into each root/<class>/ and returns
// root; the per-user cache goes to a temporary directory.
func writeFolder(t *testing.T, counts map[string]int) string {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := t.TempDir()
	for class, n := range counts {
		if err := os.MkdirAll(filepath.Join(root, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			im := image.NewGray(image.Rect(0, 0, 12, 10))
			for p := range im.Pix {
				im.Pix[p] = uint8(p*3 + i + len(class)*40)
			}
			var b bytes.Buffer
			png.Encode(&b, im)
			if err := os.WriteFile(filepath.Join(root, class, string(rune('a'+i))+".png"), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// TestDataInspectFolder prints a folder's counts per class, as a table
// and as JSON, with a held-out test split.
func TestDataInspectFolder(t *testing.T) {
	root := writeFolder(t, map[string]int{"cat": 6, "dog": 3, "ant": 3})
	code, out, errOut := wgtrain("data", "inspect", "--dataset", "folder", "--data-dir", root, "--image-size", "8", "--channels", "1", "--test-split", "4", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got inspectJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Dataset != "folder" || !slices.Equal(got.Classes, []string{"ant", "cat", "dog"}) {
		t.Errorf("dataset %q classes %v", got.Dataset, got.Classes)
	}
	if !slices.Equal(got.Splits.Test.PerClass, []int{1, 2, 1}) || !slices.Equal(got.Splits.Train.PerClass, []int{2, 4, 2}) || got.Splits.Train.Count != 8 {
		t.Errorf("splits %+v", got.Splits)
	}
	if len(got.Mean) != 1 || len(got.Std) != 1 || got.Mean[0] <= 0 {
		t.Errorf("mean %v std %v", got.Mean, got.Std)
	}
	code, out, errOut = wgtrain("data", "inspect", "--dataset", "folder", "--data-dir", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"folder in " + root, "images 3x32x32 (CxHxW), 3 classes", "cat 6 0", "total 12 0", "training split per channel: mean ["} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestDataInspectFolderErrors checks the folder flags' usage errors
// (exit 2 naming the flag) and a bad image's error (exit 1 naming it).
func TestDataInspectFolderErrors(t *testing.T) {
	root := writeFolder(t, map[string]int{"cat": 2, "dog": 2})
	bad := writeFolder(t, map[string]int{"cat": 2, "dog": 2})
	os.WriteFile(filepath.Join(bad, "dog", "x.jpg"), []byte("not a jpeg"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--dataset", "folder"}, 2, "--dataset folder needs --data-dir ROOT"},
		{[]string{"--dataset", "folder", "--data-dir", root, "--image-size", "0"}, 2, "--image-size 0: want 1 to 4096"},
		{[]string{"--dataset", "folder", "--data-dir", root, "--channels", "2"}, 2, "--channels 2: want 1 or 3"},
		{[]string{"--dataset", "folder", "--data-dir", root, "--test-split", "-1"}, 2, "--test-split -1: want 0 or more"},
		{[]string{"--dataset", "mnist", "--image-size", "28"}, 2, "--image-size applies to --dataset folder only"},
		{[]string{"--skip-bad-images"}, 2, "--skip-bad-images applies to --dataset folder only"},
		{[]string{"--dataset", "folder", "--data-dir", bad}, 1, filepath.Join("dog", "x.jpg") + ": not a readable image"},
		{[]string{"--dataset", "folder", "--data-dir", root, "--test-split", "4"}, 1, "a test split of 4 samples from 4 images"},
	}
	for _, c := range cases {
		code, _, errOut := wgtrain(append([]string{"data", "inspect"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	code, out, errOut := wgtrain("data", "inspect", "--dataset", "folder", "--data-dir", bad, "--skip-bad-images")
	if code != 0 || !strings.Contains(errOut, "skipped 1 bad images: "+filepath.Join("dog", "x.jpg")) || !strings.Contains(strings.Join(strings.Fields(out), " "), "total 4 0") {
		t.Errorf("--skip-bad-images: exit %d, stderr %q, stdout %s", code, errOut, out)
	}
	code, _, errOut = wgtrain("data", "download", "--dataset", "folder")
	if code != 2 || !strings.Contains(errOut, "nothing to download") {
		t.Errorf("download folder: exit %d, %q", code, errOut)
	}
}

// TestDataInspectHoldsOutWhatTrainHoldsOut: inspect's --test-split is
// seeded as train's (--seed, 42 by default), so both report the same
// training split: inspect's statistics are the run's; another seed holds
// out other images.
func TestDataInspectHoldsOutWhatTrainHoldsOut(t *testing.T) {
	root := writeFolder(t, map[string]int{"cat": 8, "dog": 8})
	inspect := func(extra ...string) inspectJSON {
		t.Helper()
		args := append([]string{"data", "inspect", "--dataset", "folder", "--data-dir", root, "--channels", "1", "--test-split", "6", "--json"}, extra...)
		code, out, errOut := wgtrain(args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var got inspectJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return got
	}
	def, other := inspect(), inspect("--seed", "7")
	logdir := filepath.Join(t.TempDir(), "run")
	code, _, errOut := wgtrain("train", "--dataset", "folder", "--data-dir", root, "--channels", "1", "--test-split", "6",
		"--valid-split", "0", "--epochs", "1", "--width", "4", "--backend", "cpu", "--quiet", "--logdir", logdir)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	mean := runHparamsJSON(t, logdir)["normalize-mean"].([]any)
	if len(def.Mean) != 1 || len(mean) != 1 || def.Mean[0] != float32(mean[0].(float64)) {
		t.Errorf("inspect's mean %v, the run's %v", def.Mean, mean)
	}
	if other.Mean[0] == def.Mean[0] {
		t.Errorf("--seed 7 holds out the same images as --seed 42 (mean %v)", def.Mean)
	}
}
