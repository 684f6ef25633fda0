package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/internal/testfiles"
)

// isolateData points $WGTRAIN_DATA and the per-user cache at empty
// places, so that only the files a test writes (and the system location)
// are found.
func isolateData(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv(datasets.EnvData, "")
	t.Setenv(datasets.EnvDataURL, "")
}

// writeIDXSet writes MNIST-style files to dir: train labels trainLabels,
// test labels testLabels, blank 28x28 images; gzipped when gz.
func writeIDXSet(t *testing.T, dir string, trainLabels, testLabels []byte, gz bool) {
	t.Helper()
	files := map[string][]byte{
		"train-images-idx3-ubyte": testfiles.IDX([]int{len(trainLabels), 28, 28}, make([]byte, len(trainLabels)*784)),
		"train-labels-idx1-ubyte": testfiles.IDX([]int{len(trainLabels)}, trainLabels),
		"t10k-images-idx3-ubyte":  testfiles.IDX([]int{len(testLabels), 28, 28}, make([]byte, len(testLabels)*784)),
		"t10k-labels-idx1-ubyte":  testfiles.IDX([]int{len(testLabels)}, testLabels),
	}
	os.MkdirAll(dir, 0o755)
	for name, b := range files {
		if gz {
			name, b = name+".gz", testfiles.Gzip(b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDataInspectJSON(t *testing.T) {
	isolateData(t)
	dir := t.TempDir()
	writeIDXSet(t, dir, []byte{0, 1, 1, 9, 9, 9}, []byte{3, 3}, true)
	code, out, errOut := wgtrain("data", "inspect", "--dataset", "mnist", "--data-dir", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `{"dataset":"mnist","classes":["0","1","2","3","4","5","6","7","8","9"],` +
		`"splits":{"train":{"count":6,"per_class":[1,2,0,0,0,0,0,0,0,3]},"test":{"count":2,"per_class":[0,0,0,2,0,0,0,0,0,0]}}}` + "\n"
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestDataInspectText(t *testing.T) {
	isolateData(t)
	dir := t.TempDir()
	writeIDXSet(t, filepath.Join(dir, "FashionMNIST", "raw"), []byte{0, 8, 8}, []byte{9}, false)
	code, out, errOut := wgtrain("data", "inspect", "--dataset=fashion-mnist", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, s := range []string{
		"fashion-mnist in " + filepath.Join(dir, "FashionMNIST", "raw"),
		"images 1x28x28 (CxHxW), 10 classes",
		"\nclass           train      test\n",
		"\nT-shirt/top         1         0\n",
		"\nBag                 2         0\n",
		"\nAnkle boot          0         1\n",
		"\ntotal               3         1\n",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// With no data flags, wgtrain reads Fashion-MNIST from Debian's package.
func TestDataInspectInstalledFashionMNIST(t *testing.T) {
	isolateData(t)
	if _, err := os.Stat("/usr/share/datasets/fashion-mnist"); err != nil {
		citest.Missing(t, "Fashion-MNIST", "/usr/share/datasets/fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
	}
	code, out, errOut := wgtrain("data", "inspect", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Dataset string
		Classes []string
		Splits  map[string]struct {
			Count    int
			PerClass []int `json:"per_class"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Dataset != "fashion-mnist" || len(got.Classes) != 10 ||
		got.Splits["train"].Count != 60000 || got.Splits["test"].Count != 10000 ||
		!slices.Equal(got.Splits["train"].PerClass, slices.Repeat([]int{6000}, 10)) ||
		!slices.Equal(got.Splits["test"].PerClass, slices.Repeat([]int{1000}, 10)) {
		t.Errorf("inspect: %s", out)
	}
}

func TestDataErrors(t *testing.T) {
	isolateData(t)
	corrupt := t.TempDir()
	writeIDXSet(t, corrupt, []byte{1, 2}, []byte{3}, false)
	os.WriteFile(filepath.Join(corrupt, "t10k-labels-idx1-ubyte"), testfiles.IDX([]int{1}, []byte{12}), 0o644)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"data"}, 2, "missing subcommand"},
		{[]string{"data", "frob"}, 2, `unknown subcommand "frob"`},
		{[]string{"data", "inspect", "--dataset", "imagenet"}, 2, `unknown data set "imagenet" for --dataset (want one of fashion-mnist, mnist, cifar10, cifar100, folder)`},
		{[]string{"data", "inspect", "--coarse"}, 2, "--coarse applies to cifar100 only"},
		{[]string{"data", "inspect", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"data", "download", "--dataset", "x"}, 2, `unknown data set "x"`},
		{[]string{"data", "inspect", "--dataset", "cifar10"}, 1, "cifar10 not found; looked in:"},
		{[]string{"data", "inspect", "--dataset", "mnist", "--data-dir", corrupt}, 1,
			filepath.Join(corrupt, "t10k-labels-idx1-ubyte") + ": offset 8: record 0: label 12 out of range [0,10)"},
	} {
		code, _, errOut := wgtrain(c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("wgtrain %q: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.msg)
		}
	}
	for _, args := range [][]string{{"data", "--help"}, {"data", "inspect", "--help"}, {"data", "download", "--help"}} {
		if code, out, _ := wgtrain(args...); code != 0 || !strings.Contains(out, "usage: wgtrain data") {
			t.Errorf("wgtrain %q: exit %d, %q", args, code, out)
		}
	}
}

func TestDataDownload(t *testing.T) {
	isolateData(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "not the file %s", r.URL.Path)
	}))
	defer srv.Close()
	t.Setenv(datasets.EnvDataURL, srv.URL)

	// A wrong checksum fails and leaves nothing behind.
	dir := t.TempDir()
	code, _, errOut := wgtrain("data", "download", "--dataset", "fashion-mnist", "--data-dir", dir)
	if code != 1 || !strings.Contains(errOut, srv.URL+"/train-images-idx3-ubyte.gz") || !strings.Contains(errOut, "does not match the published 8d4fb7e6c68d591d4c3dfef9ec88bf0d") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed download left %v", entries)
	}

	// A data set already in place is not fetched again; the default
	// destination is the per-user cache.
	cache, _ := datasets.CacheDir("mnist")
	writeIDXSet(t, cache, []byte{1}, []byte{2}, true)
	code, out, errOut := wgtrain("data", "download", "--dataset", "mnist")
	if code != 0 || out != "mnist is in "+cache+"\n" || !strings.Contains(errOut, "already in "+cache) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
