package datasets

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/wgtrain/wgtrain/internal/atomicfile"
)

// EnvDataURL names the environment variable that replaces the official
// download locations: file F is fetched from $WGTRAIN_DATA_URL/F.
const EnvDataURL = "WGTRAIN_DATA_URL"

// DownloadOptions configure Download.
type DownloadOptions struct {
	// BaseURL replaces the official location (and $WGTRAIN_DATA_URL):
	// each file is fetched from BaseURL + "/" + its name.
	BaseURL string
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// Progress, when not nil, receives a line per step.
	Progress io.Writer
	// Binary fetches CIFAR's binary version instead of the Python one
	// (torchvision's); the other data sets have one version.
	Binary bool
}

// remote is one file to fetch: its name, the official base URL, its
// published MD5 and, for archives, the directory it unpacks to.
type remote struct {
	base, file, md5 string
	unpacksTo       string // "" for a file kept as downloaded
}

// Official locations and checksums: CIFAR from its authors' page
// (https://www.cs.toronto.edu/~kriz/cifar.html), Fashion-MNIST from its
// authors' bucket, MNIST from the mirror torchvision uses; the MD5s are
// those published there and in torchvision.
var remotes = map[string][]remote{
	"cifar10":         {{base: kriz, file: "cifar-10-python.tar.gz", md5: "c58f30108f718f92721af3b95e74349a", unpacksTo: "cifar-10-batches-py"}},
	"cifar10-binary":  {{base: kriz, file: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530", unpacksTo: "cifar-10-batches-bin"}},
	"cifar100":        {{base: kriz, file: "cifar-100-python.tar.gz", md5: "eb9058c3a382ffc7106e4002c42a8d85", unpacksTo: "cifar-100-python"}},
	"cifar100-binary": {{base: kriz, file: "cifar-100-binary.tar.gz", md5: "03b5dce01913d631647c71ecec9e9cb8", unpacksTo: "cifar-100-binary"}},
	"fashion-mnist": {
		{base: fashion, file: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
		{base: fashion, file: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe"},
		{base: fashion, file: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79"},
		{base: fashion, file: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310"},
	},
	"mnist": {
		{base: mnist, file: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
		{base: mnist, file: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432"},
		{base: mnist, file: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3"},
		{base: mnist, file: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c"},
	},
}

const (
	kriz    = "https://www.cs.toronto.edu/~kriz"
	fashion = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com"
	mnist   = "https://ossci-datasets.s3.amazonaws.com/mnist"
)

// Download fetches, verifies and unpacks the named data set into dir,
// which it creates if needed, so that Find(name, dir) then finds it. It
// does nothing when dir already holds the data set. Files are fetched to
// temporary names in dir, checked against their published MD5, then
// renamed (IDX files, kept gzipped) or unpacked into a temporary
// directory that is renamed to the archive's own subdirectory (CIFAR): an
// interrupted or failed download never leaves a partial file under a
// final name.
func Download(ctx context.Context, name, dir string, o DownloadOptions) error {
	s, err := lookup(name)
	if err != nil {
		return err
	}
	key := name
	if o.Binary && strings.HasPrefix(name, "cifar") {
		key += "-binary"
	}
	if loc, why := s.probe(dir); why == "" {
		o.progress("%s is already in %s\n", s.title, loc.dir)
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	base := o.BaseURL
	if base == "" {
		base = os.Getenv(EnvDataURL)
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	for _, r := range remotes[key] {
		u := r.base + "/" + r.file
		if base != "" {
			u = strings.TrimSuffix(base, "/") + "/" + r.file
		}
		if r.unpacksTo == "" {
			if _, ok := findFile(dir, strings.TrimSuffix(r.file, ".gz"), true); ok {
				continue
			}
			if err := fetchFile(ctx, client, u, r.md5, filepath.Join(dir, r.file), o); err != nil {
				return err
			}
			continue
		}
		if err := fetchArchive(ctx, client, u, r, dir, o); err != nil {
			return err
		}
	}
	if _, why := s.probe(dir); why != "" {
		return fmt.Errorf("datasets: after the download, %s: %s", dir, why)
	}
	return nil
}

// progress prints a line when a Progress writer is set.
func (o DownloadOptions) progress(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format, args...)
	}
}

// fetchFile downloads u to path atomically, checking its MD5.
func fetchFile(ctx context.Context, client *http.Client, u, sum, path string, o DownloadOptions) error {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Abort()
	if err := fetch(ctx, client, u, sum, f, o); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	o.progress("  saved %s\n", path)
	return nil
}

// fetchArchive downloads a .tar.gz to a temporary file in dir, checks its
// MD5, unpacks it into a temporary directory in dir, and renames the
// archive's top directory into place.
func fetchArchive(ctx context.Context, client *http.Client, u string, r remote, dir string, o DownloadOptions) error {
	final := filepath.Join(dir, r.unpacksTo)
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("datasets: %s exists but does not hold the data set; remove it and download again", final)
	}
	tmp, err := os.CreateTemp(dir, "."+r.file+".tmp*")
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := fetch(ctx, client, u, r.md5, tmp, o); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	unpack, err := os.MkdirTemp(dir, ".unpack-*")
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer os.RemoveAll(unpack)
	o.progress("  unpacking %s\n", r.file)
	if err := untar(tmp, r.file, r.unpacksTo, unpack); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(unpack, r.unpacksTo), final); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	syncDir(dir)
	o.progress("  unpacked into %s\n", final)
	return nil
}

// fetch downloads u into w, checking the length the server announced and
// the MD5.
func fetch(ctx context.Context, client *http.Client, u, sum string, w io.Writer, o DownloadOptions) error {
	o.progress("downloading %s\n", u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return &DownloadError{URL: u, Msg: "bad URL", Err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		return &DownloadError{URL: u, Msg: "request failed", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &DownloadError{URL: u, Msg: "server answered " + resp.Status}
	}
	h := md5.New()
	pw := &progressWriter{o: o, total: resp.ContentLength, next: 0.1}
	n, err := io.Copy(io.MultiWriter(w, h, pw), resp.Body)
	if err != nil {
		msg := fmt.Sprintf("connection cut after %d bytes", n)
		if resp.ContentLength > 0 {
			msg = fmt.Sprintf("connection cut after %d of %d bytes", n, resp.ContentLength)
		}
		if ctx.Err() != nil {
			msg = fmt.Sprintf("cancelled after %d bytes", n)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = "writing failed"
		}
		return &DownloadError{URL: u, Msg: msg, Err: err}
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return &DownloadError{URL: u, Msg: fmt.Sprintf("got %d bytes, the server announced %d", n, resp.ContentLength)}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return &DownloadError{URL: u, Msg: fmt.Sprintf("MD5 checksum %s of the %d bytes received does not match the published %s", got, n, sum)}
	}
	o.progress("  %d bytes, MD5 %s verified\n", n, sum)
	return nil
}

// progressWriter prints every tenth of a download whose length is known.
type progressWriter struct {
	o     DownloadOptions
	total int64
	n     int64
	next  float64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.total > 0 && p.o.Progress != nil && float64(p.n) >= p.next*float64(p.total) && p.next < 1 {
		p.o.progress("  %3.0f%% of %d bytes\n", p.next*100, p.total)
		p.next += 0.1
	}
	return len(b), nil
}

// untar unpacks the gzipped tar r into dest; every entry must be a
// directory or regular file under top/.
func untar(r io.Reader, name, top, dest string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return formatErr(name, 0, "bad gzip header: "+err.Error())
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return formatErr(name, -1, "bad tar archive: "+err.Error())
		}
		clean := path.Clean(hdr.Name)
		if clean != top && !strings.HasPrefix(clean, top+"/") {
			return formatErr(name, -1, fmt.Sprintf("archive entry %q is outside %s/", hdr.Name, top))
		}
		target := filepath.Join(dest, filepath.FromSlash(clean))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("datasets: %w", err)
			}
		case tar.TypeReg:
			if err := writeEntry(target, tr); err != nil {
				return err
			}
		default:
			return formatErr(name, -1, fmt.Sprintf("archive entry %q is not a file or directory", hdr.Name))
		}
	}
}

// writeEntry writes one unpacked file, synced.
func writeEntry(target string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("datasets: unpack %s: %w", target, err)
	}
	return nil
}

// syncDir syncs a directory so that a rename in it survives a crash
// (best effort: not every file system syncs directories).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
