package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
)

// fmnistFolderNames are Fashion-MNIST's class names as folder names: safe
// for paths, and prefixed by the label so that their sorted order is the
// labels' order.
var fmnistFolderNames = []string{"0_T-shirt_top", "1_Trouser", "2_Pullover", "3_Dress", "4_Coat",
	"5_Sandal", "6_Shirt", "7_Sneaker", "8_Bag", "9_Ankle_boot"}

// jpegClass: these classes are written as JPEG (quality 95), the others
// as PNG.
func jpegClass(y int32) bool { return y == 5 || y == 8 }

// fmnistTree writes the first nTrain training and nTest test images of
// Fashion-MNIST as root/train/<class>/<index>.png and root/test/...;
// lossy, those of jpegClass as .jpg and every 97th PNG at 56×56 (each
// pixel doubled) instead of 28×28. It also writes the same images, unchanged, as IDX files in idx, in the
// folder's order (class, then index). It returns root, idx and the
// paths of the files written, per split.
func fmnistTree(t *testing.T, nTrain, nTest int, lossy bool) (root, idx string, files map[string][]string) {
	t.Helper()
	ds, err := datasets.Load("fashion-mnist", fmnist, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	root, idx = t.TempDir(), t.TempDir()
	files = map[string][]string{}
	for _, sp := range []struct {
		dir, idxName string
		s            *datasets.Split
		n            int
	}{{"train", "train", ds.Train, nTrain}, {"test", "t10k", ds.Test, nTest}} {
		var order []int
		for y := range int32(10) {
			for i := range sp.n {
				if sp.s.Labels[i] == y {
					order = append(order, i)
				}
			}
		}
		var images, labels []byte
		for _, i := range order {
			y := sp.s.Labels[i]
			pix := sp.s.Image(i)
			images, labels = append(images, pix...), append(labels, byte(y))
			path := filepath.Join(root, sp.dir, fmnistFolderNames[y], fmt.Sprintf("%05d", i))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			im := &image.Gray{Pix: pix, Stride: 28, Rect: image.Rect(0, 0, 28, 28)}
			switch {
			case lossy && jpegClass(y):
				path += ".jpg"
				err = jpeg.Encode(&b, im, &jpeg.Options{Quality: 95})
			case lossy && i%97 == 0:
				path += ".png"
				big := image.NewGray(image.Rect(0, 0, 56, 56))
				for p := range big.Pix {
					big.Pix[p] = pix[(p/56/2)*28+(p%56)/2]
				}
				err = png.Encode(&b, big)
			default:
				path += ".png"
				err = png.Encode(&b, im)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			files[sp.dir] = append(files[sp.dir], path)
		}
		n := uint32(len(order))
		writeIDX(t, filepath.Join(idx, sp.idxName+"-images-idx3-ubyte"), []uint32{0x803, n, 28, 28}, images)
		writeIDX(t, filepath.Join(idx, sp.idxName+"-labels-idx1-ubyte"), []uint32{0x801, n}, labels)
	}
	return root, idx, files
}

func writeIDX(t *testing.T, path string, header []uint32, data []byte) {
	t.Helper()
	b := binary.BigEndian.AppendUint32(nil, header[0])
	for _, v := range header[1:] {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	if err := os.WriteFile(path, append(b, data...), 0o644); err != nil {
		t.Fatal(err)
	}
}

var testAccuracy = regexp.MustCompile(`test split: accuracy ([0-9.]+)`)

// trainAccuracy runs wgtrain train with args and returns the test
// accuracy it prints.
func trainAccuracy(t *testing.T, args ...string) float64 {
	t.Helper()
	start := time.Now()
	code, out, errOut := wgtrain(append([]string{"train", "--epochs", "1", "--valid-split", "0", "--width", "4", "--backend", "cpu", "--quiet"}, args...)...)
	if code != 0 {
		t.Fatalf("train %v: exit %d\n%s%s", args, code, out, errOut)
	}
	if strings.Contains(errOut, "no thumbnails") {
		t.Errorf("train %v: %s", args, errOut)
	}
	m := testAccuracy.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no test accuracy in %q", out)
	}
	a, _ := strconv.ParseFloat(m[1], 64)
	t.Logf("train %s: accuracy %.4f in %v", strings.Join(args, " "), a, time.Since(start).Round(time.Millisecond))
	return a
}

func runHparamsJSON(t *testing.T, dir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "hparams.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestFolderTrainLikeIDX trains one epoch on 2,000 Fashion-MNIST images
// written as a folder (PNG, two classes JPEG, a few at 56×56) and on the
// same images as IDX files in the same order, with the same
// normalization: the runs differ only by the JPEG losses and the few
// resized images, so their test accuracies on 500 images must agree
// within a point. Then: the second run reads the cache, the run's
// statistics go to hparams.json and predict uses them, data inspect
// counts the classes, predict --images names the files.
func TestFolderTrainLikeIDX(t *testing.T) {
	needFashionMNIST(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root, idx, files := fmnistTree(t, 2000, 500, true)
	runs := t.TempDir()
	folder := trainAccuracy(t, "--dataset", "folder", "--data-dir", root, "--image-size", "28", "--channels", "1", "--normalize", "imagenet", "--logdir", filepath.Join(runs, "folder"))
	ref := trainAccuracy(t, "--dataset", "fashion-mnist", "--data-dir", idx, "--normalize", "imagenet", "--logdir", filepath.Join(runs, "idx"))
	if math.Abs(folder-ref) > 0.01 {
		t.Errorf("test accuracy %.4f on the folder, %.4f on the same images from IDX files: want within 0.01", folder, ref)
	}
	h := runHparamsJSON(t, filepath.Join(runs, "folder"))
	if got := fmt.Sprint(h["classes"]); got != fmt.Sprint(fmnistFolderNames) {
		t.Errorf("hparams classes %s, want %v", got, fmnistFolderNames)
	}
	if got := fmt.Sprint(h["normalize-mean"], h["normalize-std"]); got != "[0.449] [0.226]" {
		t.Errorf("hparams normalize-mean/std %s, want [0.449] [0.226] (ImageNet's, averaged for one channel)", got)
	}
	if rep, err := os.ReadFile(filepath.Join(runs, "folder", "report.txt")); err != nil || !strings.Contains(string(rep), "9_Ankle_boot") {
		t.Errorf("report.txt does not name the folder classes (%v):\n%s", err, rep)
	}

	// wgtrain report names the folder's classes; its report.html has the
	// thumbnails of the test split, reloaded with the run's options.
	pred := filepath.Join(runs, "folder", "predictions", "test.csv")
	html := filepath.Join(runs, "r.html")
	code, out, errOut := wgtrain("report", "--predictions", pred, "--html", html)
	if page, err := os.ReadFile(html); code != 0 || !strings.Contains(out, "9_Ankle_boot") || err != nil || !strings.Contains(string(page), "data:image/png;base64") || errOut != "" {
		t.Errorf("report: exit %d, stderr %q, thumbnails in the page: %v\n%s", code, errOut, strings.Contains(string(page), "data:image/png"), out)
	}

	// The cache: a file changed in place but with its size and time kept
	// is not read again, so the second run succeeds only from the cache.
	victim := files["train"][3]
	st, _ := os.Stat(victim)
	if err := os.WriteFile(victim, bytes.Repeat([]byte{'x'}, int(st.Size())), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(victim, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(runs, "second")
	trainAccuracy(t, "--dataset", "folder", "--data-dir", root, "--image-size", "28", "--channels", "1", "--logdir", second)

	// --normalize dataset (the default): the training split's statistics,
	// as data inspect prints them.
	code, out, errOut = wgtrain("data", "inspect", "--dataset", "folder", "--data-dir", root, "--image-size", "28", "--channels", "1", "--json")
	if code != 0 {
		t.Fatalf("data inspect: exit %d: %s", code, errOut)
	}
	var in inspectJSON
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatal(err)
	}
	want := make([]int, 10)
	for _, f := range files["train"] {
		want[slices.Index(fmnistFolderNames, filepath.Base(filepath.Dir(f)))]++
	}
	if fmt.Sprint(in.Splits.Train.PerClass) != fmt.Sprint(want) || in.Splits.Test.Count != 500 {
		t.Errorf("data inspect: train per class %v, want %v; test %d, want 500", in.Splits.Train.PerClass, want, in.Splits.Test.Count)
	}
	h = runHparamsJSON(t, second)
	if got, want := fmt.Sprint(h["normalize-mean"], h["normalize-std"]), fmt.Sprint(in.Mean, in.Std); got != want {
		t.Errorf("hparams normalize-mean/std %s, data inspect's statistics %s", got, want)
	}

	// predict on the test split reads the run's normalization from its
	// hparams.json: the same accuracy as the run's own report.
	ckpt := filepath.Join(runs, "folder", "checkpoints", "best.safetensors")
	code, out, errOut = wgtrain("predict", "--dataset", "folder", "--data-dir", root, "--checkpoint", ckpt, "--out", filepath.Join(runs, "p.csv"), "--backend", "cpu")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("test split: accuracy %.4f", folder)) {
		t.Errorf("predict --dataset folder: exit %d, want test accuracy %.4f:\n%s%s", code, folder, out, errOut)
	}

	// predict --images: a file and, as the argument after the flags (as a
	// shell glob gives them), a folder of a class.
	some := []string{files["test"][0], filepath.Join(root, "test", "9_Ankle_boot")}
	outPath := filepath.Join(runs, "images.csv")
	code, out, errOut = wgtrain("predict", "--images", some[0], "--checkpoint", ckpt, "--out", outPath, "--backend", "cpu", some[1])
	if code != 0 {
		t.Fatalf("predict --images: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	meta, err := evalkit.ReadPredictionsMeta(outPath, 10)
	if err != nil || meta == nil {
		t.Fatalf("predict --images metadata: %v", err)
	}
	p, err := evalkit.ReadPredictions(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.Files) != p.Len() || len(lines) != p.Len() || meta.Files[0] != files["test"][0] || filepath.Dir(meta.Files[1]) != some[1] {
		t.Fatalf("predict --images: %d rows, %d files %v, %d lines", p.Len(), len(meta.Files), meta.Files[:min(3, len(meta.Files))], len(lines))
	}
	right := 0
	for i, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[0] != meta.Files[i] || !slices.Contains(fmnistFolderNames, f[1]) || p.Target[i] != -1 {
			t.Fatalf("line %d %q, file %s, target %d", i, l, meta.Files[i], p.Target[i])
		}
		if i > 0 && f[1] == "9_Ankle_boot" {
			right++
		}
	}
	if right < p.Len()/2 {
		t.Errorf("predict --images: %d of %d ankle boots classified as such", right, p.Len()-1)
	}

	// --resume takes the run's normalization from hparams.json.
	code, _, errOut = wgtrain("train", "--resume", "--epochs", "2", "--logdir", filepath.Join(runs, "folder"), "--data-dir", root, "--quiet")
	if h2 := runHparamsJSON(t, filepath.Join(runs, "folder")); code != 0 || fmt.Sprint(h2["normalize-mean"]) != "[0.449]" {
		t.Errorf("resume: exit %d %s; normalize-mean %v", code, errOut, h2["normalize-mean"])
	}
}

// TestFolderTrainBadImage: a corrupt image fails the run, naming the
// file, before the run directory is made; --skip-bad-images warns and
// trains on the others.
func TestFolderTrainBadImage(t *testing.T) {
	root := writeFolder(t, map[string]int{"cat": 8, "dog": 8})
	bad := filepath.Join(root, "dog", "broken.png")
	if err := os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	logdir := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "--dataset", "folder", "--data-dir", root, "--test-split", "4", "--image-size", "16", "--valid-split", "0", "--epochs", "1", "--width", "2", "--backend", "cpu", "--quiet", "--logdir", logdir}
	code, _, errOut := wgtrain(args...)
	if code != 1 || !strings.Contains(errOut, filepath.Join("dog", "broken.png")) {
		t.Errorf("exit %d, stderr %q: want 1 and the file %s", code, errOut, bad)
	}
	if _, err := os.Stat(logdir); err == nil {
		t.Errorf("the failed run made %s", logdir)
	}
	code, _, errOut = wgtrain(append(args, "--skip-bad-images")...)
	if code != 0 || !strings.Contains(errOut, "skipped 1 bad images") || !strings.Contains(errOut, "broken.png") {
		t.Errorf("--skip-bad-images: exit %d, stderr %q", code, errOut)
	}
}

// TestFolderTrainFlagErrors: an image size resnet9 cannot take and an
// unknown normalization are usage errors naming the flag.
func TestFolderTrainFlagErrors(t *testing.T) {
	root := writeFolder(t, map[string]int{"cat": 2, "dog": 2})
	for _, c := range []struct{ args, want string }{
		{"--image-size 40", "--image-size 40"},
		{"--normalize mine", "--normalize \"mine\""},
	} {
		code, _, errOut := wgtrain(append([]string{"train", "--dataset", "folder", "--data-dir", root, "--logdir", t.TempDir(), "--backend", "cpu"}, strings.Fields(c.args)...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q", c.args, code, errOut)
		}
	}
}

// TestFolderTrainIdenticalToIDX: a folder of 28×28 PNGs trains exactly
// as the same images from IDX files in the same order, with the same
// normalization: the same test predictions, bit for bit.
func TestFolderTrainIdenticalToIDX(t *testing.T) {
	needFashionMNIST(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root, idx, _ := fmnistTree(t, 600, 200, false)
	runs := t.TempDir()
	a := trainAccuracy(t, "--dataset", "folder", "--data-dir", root, "--image-size", "28", "--channels", "1", "--normalize", "none", "--logdir", filepath.Join(runs, "folder"))
	b := trainAccuracy(t, "--dataset", "fashion-mnist", "--data-dir", idx, "--normalize", "none", "--logdir", filepath.Join(runs, "idx"))
	pa, errA := os.ReadFile(filepath.Join(runs, "folder", "predictions", "test.csv"))
	pb, errB := os.ReadFile(filepath.Join(runs, "idx", "predictions", "test.csv"))
	if errA != nil || errB != nil || a != b || !bytes.Equal(pa, pb) {
		t.Errorf("accuracy %.4f on the folder, %.4f from IDX files; predictions equal: %v (%v, %v)", a, b, bytes.Equal(pa, pb), errA, errB)
	}
}
