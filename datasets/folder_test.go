package datasets

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writePNG writes a w×h RGB PNG of colour v (varied by position) at
// root/rel, creating its folders.
func writePNG(t *testing.T, root, rel string, w, h int, v uint8) {
	t.Helper()
	im := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			im.Set(x, y, color.RGBA{v, uint8(x * 8), uint8(y * 8), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, rel, b.Bytes())
}

func writeFile(t *testing.T, root, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// folderOpts are small options with a test's own cache directory.
func folderOpts(t *testing.T) LoadOptions {
	return LoadOptions{ImageSize: 8, CacheDir: t.TempDir()}
}

// TestLoadFolderSplitLayout loads ROOT/train and ROOT/test: class names
// sorted, hidden files and folders and other extensions ignored, file
// names relative to ROOT in sorted order, statistics of the training
// split.
func TestLoadFolderSplitLayout(t *testing.T) {
	root := t.TempDir()
	writePNG(t, root, "train/zebra/2.png", 10, 12, 200)
	writePNG(t, root, "train/zebra/1.png", 12, 10, 200)
	writePNG(t, root, "train/ant/sub/a.png", 9, 9, 10)
	writePNG(t, root, "train/ant/.hidden.png", 9, 9, 10)
	writePNG(t, root, "train/.git/x.png", 9, 9, 10)
	writePNG(t, root, "train/ant/.cache/x.png", 9, 9, 10)
	writeFile(t, root, "train/ant/notes.txt", []byte("not an image"))
	writePNG(t, root, "test/ant/t.PNG", 9, 9, 10)
	writePNG(t, root, "test/zebra/t.png", 9, 9, 200)
	ds, err := Load(Folder, root, folderOpts(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ant", "zebra"}; !slices.Equal(ds.Classes, want) {
		t.Errorf("classes %v, want %v", ds.Classes, want)
	}
	wantFiles := []string{filepath.Join("train", "ant", "sub", "a.png"), filepath.Join("train", "zebra", "1.png"), filepath.Join("train", "zebra", "2.png")}
	if !slices.Equal(ds.Train.Files, wantFiles) {
		t.Errorf("train files %v, want %v", ds.Train.Files, wantFiles)
	}
	if !slices.Equal(ds.Train.Labels, []int32{0, 1, 1}) || !slices.Equal(ds.Test.Labels, []int32{0, 1}) {
		t.Errorf("labels %v, %v", ds.Train.Labels, ds.Test.Labels)
	}
	if ds.Train.C != 3 || ds.Train.H != 8 || ds.Train.W != 8 || len(ds.Train.Images) != 3*3*64 {
		t.Errorf("train %d×%d×%d, %d bytes", ds.Train.C, ds.Train.H, ds.Train.W, len(ds.Train.Images))
	}
	// Red is 10, 200, 200 everywhere: mean (10+200+200)/3/255, std of those.
	if m := ds.Mean[0]; m < 0.53 || m > 0.54 {
		t.Errorf("red mean %v, want 0.536", m)
	}
	if s := ds.Std[0]; s < 0.34 || s > 0.36 {
		t.Errorf("red std %v, want 0.349", s)
	}
	if len(ds.Mean) != 3 || len(ds.Std) != 3 {
		t.Errorf("mean %v std %v", ds.Mean, ds.Std)
	}
}

// TestLoadFolderTestSplit holds out a stratified, seeded test split from
// a single tree.
func TestLoadFolderTestSplit(t *testing.T) {
	root := t.TempDir()
	for i := range 12 {
		writePNG(t, root, filepath.Join("a", string(rune('a'+i))+".png"), 8, 8, uint8(i))
	}
	for i := range 6 {
		writePNG(t, root, filepath.Join("b", string(rune('a'+i))+".png"), 8, 8, uint8(100+i))
	}
	o := folderOpts(t)
	o.TestSplit, o.Seed, o.Channels = 6, 1, 1
	ds, err := Load(Folder, root, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Test.PerClass(2); !slices.Equal(got, []int{4, 2}) {
		t.Errorf("test per class %v, want [4 2]", got)
	}
	if ds.Train.Len() != 12 || ds.Train.C != 1 || len(ds.Train.Files) != 12 || len(ds.Mean) != 1 {
		t.Errorf("train %d samples, %d channels, %d files", ds.Train.Len(), ds.Train.C, len(ds.Train.Files))
	}
	all := append(slices.Clone(ds.Train.Files), ds.Test.Files...)
	slices.Sort(all)
	if len(slices.Compact(all)) != 18 {
		t.Errorf("train and test files overlap or miss some: %v", all)
	}
	again, err := Load(Folder, root, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Test.Files, ds.Test.Files) {
		t.Errorf("same seed, other test split: %v vs %v", again.Test.Files, ds.Test.Files)
	}
	differ := false
	for seed := uint64(2); seed < 6 && !differ; seed++ {
		o.Seed = seed
		other, err := Load(Folder, root, o)
		if err != nil {
			t.Fatal(err)
		}
		differ = !slices.Equal(other.Test.Files, ds.Test.Files)
	}
	if !differ {
		t.Error("seeds 1 to 5 all hold out the same test split")
	}
	// With no test split, the test split is empty.
	o.TestSplit = 0
	none, err := Load(Folder, root, o)
	if err != nil || none.Test.Len() != 0 || none.Train.Len() != 18 {
		t.Errorf("no test split: %v", err)
	}
}

// TestLoadFolderSymlinkLoop follows links but ends on a loop.
func TestLoadFolderSymlinkLoop(t *testing.T) {
	root := t.TempDir()
	writePNG(t, root, "a/x.png", 8, 8, 1)
	writePNG(t, root, "b/y.png", 8, 8, 2)
	if err := os.Symlink("..", filepath.Join(root, "a", "up")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	os.Symlink(".", filepath.Join(root, "b", "self"))
	done := make(chan error, 1)
	var ds *Dataset
	go func() {
		var err error
		ds, err = Load(Folder, root, folderOpts(t))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Load did not end on a symbolic link loop")
	}
	// a/up leads to the root, whose b/y.png is then an image of class a.
	if ds.Train.Len() < 2 || ds.Train.PerClass(2)[1] != 1 {
		t.Errorf("per class %v", ds.Train.PerClass(2))
	}
}

// TestLoadFolderBad checks each bad folder's message, and that nothing
// is cached.
func TestLoadFolderBad(t *testing.T) {
	good := func(t *testing.T) string {
		root := t.TempDir()
		writePNG(t, root, "cat/1.png", 8, 8, 1)
		writePNG(t, root, "dog/1.png", 8, 8, 2)
		return root
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, root string)
		opts  func(o *LoadOptions)
		want  string
	}{
		{"corrupt", func(t *testing.T, root string) {
			b, _ := os.ReadFile(filepath.Join(root, "cat/1.png"))
			writeFile(t, root, "cat/2.png", b[:len(b)-20])
		}, nil, filepath.Join("cat", "2.png") + ": corrupt png image"},
		{"not an image", func(t *testing.T, root string) {
			writeFile(t, root, "dog/0.jpg", []byte("I am text"))
		}, nil, filepath.Join("dog", "0.jpg") + ": not a readable image"},
		{"empty class", func(t *testing.T, root string) {
			writeFile(t, root, "emu/readme.txt", []byte("x"))
		}, nil, "emu: class folder holds no images"},
		{"one class", func(t *testing.T, root string) {
			os.RemoveAll(filepath.Join(root, "dog"))
		}, nil, "1 class folders (want at least 2"},
		{"test split too large", nil, func(o *LoadOptions) { o.TestSplit = 2 }, "a test split of 2 samples from 2 images"},
		{"test split with test/", func(t *testing.T, root string) {
			os.Rename(filepath.Join(root, "cat"), filepath.Join(root, "train"))
			writePNG(t, root, "train/cat/1.png", 8, 8, 1)
			writePNG(t, root, "train/dog/1.png", 8, 8, 2)
			writePNG(t, root, "test/cat/1.png", 8, 8, 1)
			writePNG(t, root, "test/dog/1.png", 8, 8, 2)
		}, func(o *LoadOptions) { o.TestSplit = 1 }, "held-out test split does not apply"},
		{"classes differ", func(t *testing.T, root string) {
			writePNG(t, root, "train/cat/1.png", 8, 8, 1)
			writePNG(t, root, "train/dog/1.png", 8, 8, 2)
			writePNG(t, root, "test/cat/1.png", 8, 8, 1)
			writePNG(t, root, "test/cow/1.png", 8, 8, 2)
		}, nil, "test/ has classes cat, cow but train/ has cat, dog"},
		{"huge", func(t *testing.T, root string) {
			writeFile(t, root, "cat/huge.png", pngHeader(100000, 100000))
		}, nil, filepath.Join("cat", "huge.png") + ": image of 100000×100000 pixels is too large"},
		{"zero", func(t *testing.T, root string) {
			writeFile(t, root, "cat/zero.png", pngHeader(0, 0))
		}, nil, filepath.Join("cat", "zero.png") + ": not a readable image"},
	}
	if os.Geteuid() != 0 {
		cases = append(cases, struct {
			name  string
			setup func(t *testing.T, root string)
			opts  func(o *LoadOptions)
			want  string
		}{"unreadable", func(t *testing.T, root string) {
			writePNG(t, root, "cat/locked.png", 8, 8, 3)
			os.Chmod(filepath.Join(root, "cat/locked.png"), 0)
		}, nil, filepath.Join("cat", "locked.png") + ": unreadable"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := good(t)
			if c.setup != nil {
				c.setup(t, root)
			}
			o := folderOpts(t)
			if c.opts != nil {
				c.opts(&o)
			}
			_, err := Load(Folder, root, o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v, want an error containing %q", err, c.want)
			}
			var ie *ImageError
			var fe *FolderError
			if !errors.As(err, &ie) && !errors.As(err, &fe) {
				t.Errorf("%T is neither an *ImageError nor a *FolderError", err)
			}
			if ents, _ := os.ReadDir(o.CacheDir); len(ents) != 0 {
				t.Errorf("the cache holds %d files after an error", len(ents))
			}
		})
	}
}

// TestLoadFolderSkipBad turns the bad files into a counted warning.
func TestLoadFolderSkipBad(t *testing.T) {
	root := t.TempDir()
	writePNG(t, root, "cat/1.png", 8, 8, 1)
	writePNG(t, root, "dog/1.png", 8, 8, 2)
	for i := range 7 {
		writeFile(t, root, filepath.Join("dog", "bad"+string(rune('0'+i))+".png"), []byte("junk"))
	}
	var warn bytes.Buffer
	o := folderOpts(t)
	o.SkipBadImages, o.Warn = true, &warn
	ds, err := Load(Folder, root, o)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.Len() != 2 {
		t.Errorf("%d samples, want 2", ds.Train.Len())
	}
	w := warn.String()
	if !strings.Contains(w, "skipped 7 bad images") || !strings.Contains(w, filepath.Join("dog", "bad0.png")) || !strings.Contains(w, "and 2 more") {
		t.Errorf("warning %q", w)
	}
	// The cached load warns the same.
	warn.Reset()
	if _, err := Load(Folder, root, o); err != nil || !strings.Contains(warn.String(), "skipped 7 bad images") {
		t.Errorf("cached load: %v, warning %q", err, warn.String())
	}
	// A class whose every image is bad is still an error.
	writeFile(t, root, "emu/x.png", []byte("junk"))
	if _, err := Load(Folder, root, o); err == nil || !strings.Contains(err.Error(), "emu: class folder holds no usable images") {
		t.Errorf("all skipped: %v", err)
	}
}

// TestLoadFolderCache decodes on the first load only, rebuilds when a
// file changes, and rebuilds a corrupt cache file.
func TestLoadFolderCache(t *testing.T) {
	root := t.TempDir()
	for i := range 5 {
		writePNG(t, root, filepath.Join("a", string(rune('a'+i))+".png"), 8+i, 8, uint8(i))
		writePNG(t, root, filepath.Join("b", string(rune('a'+i))+".png"), 8, 8+i, uint8(50+i))
	}
	o := folderOpts(t)
	load := func() (*Dataset, int64) {
		t.Helper()
		before := decodedFiles.Load()
		ds, err := Load(Folder, root, o)
		if err != nil {
			t.Fatal(err)
		}
		return ds, decodedFiles.Load() - before
	}
	first, n := load()
	if n != 10 {
		t.Errorf("first load decoded %d files, want 10", n)
	}
	second, n := load()
	if n != 0 {
		t.Errorf("second load decoded %d files, want 0 (cached)", n)
	}
	if !bytes.Equal(first.Train.Images, second.Train.Images) || !slices.Equal(first.Train.Files, second.Train.Files) {
		t.Error("the cached load differs from the first")
	}
	// Another size is another cache entry.
	o.ImageSize = 4
	if _, n := load(); n != 10 {
		t.Errorf("another size decoded %d files, want 10", n)
	}
	o.ImageSize = 8
	// A changed file changes the key.
	writePNG(t, root, "a/c.png", 9, 9, 255)
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(root, "a/c.png"), future, future)
	third, n := load()
	if n != 10 {
		t.Errorf("after a change decoded %d files, want 10", n)
	}
	if bytes.Equal(third.Train.Images, first.Train.Images) {
		t.Error("a changed image gives the same pixels")
	}
	// A corrupt cache is rebuilt, not trusted.
	ents, _ := os.ReadDir(o.CacheDir)
	for _, e := range ents {
		p := filepath.Join(o.CacheDir, e.Name())
		b, _ := os.ReadFile(p)
		b[len(b)/2] ^= 0xff
		os.WriteFile(p, b, 0o644)
	}
	fourth, n := load()
	if n != 10 || !bytes.Equal(fourth.Train.Images, third.Train.Images) {
		t.Errorf("after corrupting the cache decoded %d files (want 10), same pixels %v", n, bytes.Equal(fourth.Train.Images, third.Train.Images))
	}
	if _, n := load(); n != 0 {
		t.Errorf("the rebuilt cache is not used: decoded %d", n)
	}
}
