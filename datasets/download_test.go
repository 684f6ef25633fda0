package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wgtrain/wgtrain/internal/testfiles"
)

// tarGz packs the files under root into a .tar.gz whose entries are
// named relative to root, directories first.
func tarGz(t *testing.T, root string, extra ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		hdr, _ := tar.FileInfoHeader(fi, "")
		hdr.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			tw.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range extra {
		tw.WriteHeader(h)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// server serves files at /<name>; under /cut/ it announces the whole
// length but closes the connection halfway through.
type server struct {
	*httptest.Server
	files map[string][]byte
	hits  atomic.Int32
}

func newServer(t *testing.T, files map[string][]byte) *server {
	s := &server{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		name, cut := strings.CutPrefix(r.URL.Path[1:], "cut/")
		b, ok := s.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !cut {
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			w.Write(b)
			return
		}
		conn, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n\r\n", len(b))
		bw.Write(b[:len(b)/2])
		bw.Flush()
	}))
	t.Cleanup(s.Close)
	return s
}

// withRemotes replaces the download table for a test.
func withRemotes(t *testing.T, r map[string][]remote) {
	old := remotes
	remotes = r
	t.Cleanup(func() { remotes = old })
}

// listDir returns the names in dir, hidden ones included.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestDownloadCIFAR10(t *testing.T) {
	isolate(t)
	src := t.TempDir()
	makeCIFAR10(t, filepath.Join(src, "cifar-10-batches-py"), false, true)
	archive := tarGz(t, src)
	srv := newServer(t, map[string][]byte{"cifar-10-python.tar.gz": archive})
	withRemotes(t, map[string][]remote{
		"cifar10": {{base: "http://unused.invalid", file: "cifar-10-python.tar.gz", md5: md5hex(archive), unpacksTo: "cifar-10-batches-py"}},
	})
	dir := filepath.Join(t.TempDir(), "cifar10")
	var progress bytes.Buffer
	if err := Download(context.Background(), "cifar10", dir, DownloadOptions{BaseURL: srv.URL + "/", Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"cifar-10-batches-py"}) {
		t.Errorf("download left %q, want only cifar-10-batches-py", got)
	}
	ds, err := Load("cifar10", dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkCIFARImages(t, "downloaded train", ds.Train.Images, 0, 10)
	if !strings.Contains(progress.String(), "MD5 "+md5hex(archive)+" verified") {
		t.Errorf("progress %q", progress.String())
	}
	// Again: nothing to do, nothing fetched.
	hits := srv.hits.Load()
	progress.Reset()
	if err := Download(context.Background(), "cifar10", dir, DownloadOptions{BaseURL: srv.URL, Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if srv.hits.Load() != hits || !strings.Contains(progress.String(), "already in") {
		t.Errorf("second download fetched again: %q", progress.String())
	}
}

func TestDownloadIDXFromEnvURL(t *testing.T) {
	cache := isolate(t)
	src := t.TempDir()
	makeIDX(t, src, true)
	files := map[string][]byte{}
	var table []remote
	for _, f := range idxFiles {
		b, _ := os.ReadFile(filepath.Join(src, f+".gz"))
		files[f+".gz"] = b
		table = append(table, remote{base: "http://unused.invalid", file: f + ".gz", md5: md5hex(b)})
	}
	srv := newServer(t, files)
	withRemotes(t, map[string][]remote{"mnist": table})
	t.Setenv(EnvDataURL, srv.URL)
	dir, _ := CacheDir("mnist")
	if err := Download(context.Background(), "mnist", dir, DownloadOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); len(got) != 4 {
		t.Errorf("download left %q, want the four .gz files", got)
	}
	ds, err := Load("mnist", "", LoadOptions{}) // found in the cache
	if err != nil {
		t.Fatal(err)
	}
	if ds.Dir != filepath.Join(cache, "wgtrain", "mnist") || ds.Train.Len() != 6 {
		t.Errorf("loaded %d samples from %s", ds.Train.Len(), ds.Dir)
	}
}

func TestDownloadFailures(t *testing.T) {
	isolate(t)
	src := t.TempDir()
	makeCIFAR10(t, filepath.Join(src, "cifar-10-batches-bin"), true, true)
	archive := tarGz(t, src)
	evil := tarGz(t, src, &tar.Header{Name: "../escape", Typeflag: tar.TypeReg, Mode: 0o644})
	link := tarGz(t, src, &tar.Header{Name: "cifar-10-batches-bin/l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	srv := newServer(t, map[string][]byte{"good.tar.gz": archive, "evil.tar.gz": evil, "link.tar.gz": link})
	idxGood := testfiles.Gzip(testfiles.IDX([]int{1}, []byte{1}))
	srv.files["train-images-idx3-ubyte.gz"] = idxGood

	cases := []struct {
		name, file, md5, path string
		idx                   bool
		msg                   string
	}{
		{"wrong checksum", "good.tar.gz", strings.Repeat("0", 32), "", false, "MD5 checksum " + md5hex(archive) + " of the " + fmt.Sprint(len(archive)) + " bytes received does not match the published 00000000"},
		{"connection cut", "good.tar.gz", md5hex(archive), "cut/", false, fmt.Sprintf("connection cut after %d of %d bytes", len(archive)/2, len(archive))},
		{"not found", "missing.tar.gz", md5hex(archive), "", false, "server answered 404 Not Found"},
		{"entry outside", "evil.tar.gz", md5hex(evil), "", false, `archive entry "../escape" is outside cifar-10-batches-bin/`},
		{"symlink", "link.tar.gz", md5hex(link), "", false, `archive entry "cifar-10-batches-bin/l" is not a file or directory`},
		{"IDX wrong checksum", "train-images-idx3-ubyte.gz", strings.Repeat("1", 32), "", true, "does not match the published"},
		{"IDX connection cut", "train-images-idx3-ubyte.gz", md5hex(idxGood), "cut/", true, "connection cut after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := remote{base: "http://unused.invalid", file: c.file, md5: c.md5, unpacksTo: "cifar-10-batches-bin"}
			name := "cifar10"
			if c.idx {
				r.unpacksTo = ""
				name = "mnist"
			}
			withRemotes(t, map[string][]remote{name + map[bool]string{true: "", false: "-binary"}[c.idx]: {r}})
			dir := t.TempDir()
			err := Download(context.Background(), name, dir, DownloadOptions{BaseURL: srv.URL + "/" + c.path, Binary: true})
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want one saying %q", err, c.msg)
			}
			if got := listDir(t, dir); len(got) != 0 {
				t.Errorf("a failed download left %q", got)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); err == nil {
				t.Error("the archive wrote outside its directory")
			}
		})
	}
	var de *DownloadError
	withRemotes(t, map[string][]remote{"cifar10-binary": {{file: "good.tar.gz", md5: "x", unpacksTo: "cifar-10-batches-bin"}}})
	err := Download(context.Background(), "cifar10", t.TempDir(), DownloadOptions{BaseURL: srv.URL, Binary: true})
	if !errors.As(err, &de) || de.URL != srv.URL+"/good.tar.gz" {
		t.Errorf("error %v, want a *DownloadError for %s/good.tar.gz", err, srv.URL)
	}
	// Cancelled before it starts.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Download(ctx, "cifar10", t.TempDir(), DownloadOptions{BaseURL: srv.URL, Binary: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled download: %v", err)
	}
}

// The download table names the official archives and their published
// checksums (checked against torchvision's and the authors' pages).
func TestDownloadTable(t *testing.T) {
	want := map[string]string{
		"cifar10":         "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz c58f30108f718f92721af3b95e74349a",
		"cifar10-binary":  "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz c32a1d4ab5d03f1284b67883e8d87530",
		"cifar100":        "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz eb9058c3a382ffc7106e4002c42a8d85",
		"cifar100-binary": "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz 03b5dce01913d631647c71ecec9e9cb8",
		"fashion-mnist":   "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz 8d4fb7e6c68d591d4c3dfef9ec88bf0d",
		"mnist":           "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz f68b3c2dcbeaaa9fbdd348bbdeb94873",
	}
	for k, w := range want {
		r := remotes[k][0]
		if got := r.base + "/" + r.file + " " + r.md5; got != w {
			t.Errorf("%s: %s, want %s", k, got, w)
		}
	}
	for _, name := range Names() {
		if len(remotes[name]) == 0 {
			t.Errorf("no download for %s", name)
		}
	}
}
