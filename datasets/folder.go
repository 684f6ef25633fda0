package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Folder is the name Load takes for a folder of images in torchvision's
// ImageFolder layout: ROOT/<class>/<image>, or ROOT/train/<class>/... and
// ROOT/test/<class>/... when both train/ and test/ exist. Class names are
// the class folders' names, sorted; a class's images are every file with
// an image extension (ImageExtensions) anywhere under its folder.
const Folder = "folder"

// ImageExtensions are the file name extensions (lower case) a folder
// data set reads; other files, and files and folders whose names start
// with a dot, are ignored.
var ImageExtensions = []string{".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}

// folderFile is one image of a folder data set.
type folderFile struct {
	rel   string // path relative to ROOT
	split int    // 0 train, 1 test
	label int32
	size  int64
	mtime int64 // modification time, Unix nanoseconds
}

// folderLayout is what walkFolder found.
type folderLayout struct {
	classes []string
	files   []folderFile // sorted by split, class, then path
	split   bool         // ROOT/train and ROOT/test
}

// walkFolder lists a folder data set's classes and images.
func walkFolder(root string) (*folderLayout, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, readErr(root, err)
	}
	if !st.IsDir() {
		return nil, &FolderError{Dir: root, Msg: "not a directory"}
	}
	lay := &folderLayout{}
	tr, te := isDir(filepath.Join(root, "train")), isDir(filepath.Join(root, "test"))
	lay.split = tr && te
	subs := []string{""}
	if lay.split {
		subs = []string{"train", "test"}
	}
	for si, sub := range subs {
		classes, err := classDirs(root, sub)
		if err != nil {
			return nil, err
		}
		if si == 0 {
			lay.classes = classes
			if len(classes) < 2 {
				return nil, &FolderError{Dir: filepath.Join(root, sub), Msg: fmt.Sprintf("%d class folders (want at least 2: one sub-folder per class)", len(classes))}
			}
		} else if !slices.Equal(classes, lay.classes) {
			return nil, &FolderError{Dir: root, Msg: fmt.Sprintf("test/ has classes %s but train/ has %s", strings.Join(classes, ", "), strings.Join(lay.classes, ", "))}
		}
		for ci, c := range classes {
			rel := filepath.Join(sub, c)
			files, err := listImages(root, rel)
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, &FolderError{Dir: rel, Msg: "class folder holds no images (" + strings.Join(ImageExtensions, " ") + ")"}
			}
			for i := range files {
				files[i].split, files[i].label = si, int32(ci)
			}
			lay.files = append(lay.files, files...)
		}
	}
	return lay, nil
}

// isDir reports whether p is a directory (following symbolic links).
func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// hidden reports whether a file name starts with a dot.
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// classDirs returns the sorted names of the visible directories in
// root/sub.
func classDirs(root, sub string) ([]string, error) {
	dir := filepath.Join(root, sub)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, readErr(dir, err)
	}
	var out []string
	for _, e := range ents {
		if !hidden(e.Name()) && isDir(filepath.Join(dir, e.Name())) {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// isImageName reports whether name has one of ImageExtensions.
func isImageName(name string) bool {
	return slices.Contains(ImageExtensions, strings.ToLower(filepath.Ext(name)))
}

// listImages returns the images under root/rel, following symbolic links
// but entering each real directory once (so that a link loop ends),
// sorted by path relative to root.
func listImages(root, rel string) ([]folderFile, error) {
	var out []folderFile
	seen := map[string]bool{}
	var walk func(rel string) error
	walk = func(rel string) error {
		dir := filepath.Join(root, rel)
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return readErr(rel, err)
		}
		if seen[real] {
			return nil
		}
		seen[real] = true
		ents, err := os.ReadDir(dir)
		if err != nil {
			return readErr(rel, err)
		}
		for _, e := range ents {
			if hidden(e.Name()) {
				continue
			}
			p := filepath.Join(rel, e.Name())
			st, err := os.Stat(filepath.Join(root, p))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && e.Type()&fs.ModeSymlink != 0 {
					continue // a dangling link
				}
				return readErr(p, err)
			}
			switch {
			case st.IsDir():
				if err := walk(p); err != nil {
					return err
				}
			case st.Mode().IsRegular() && isImageName(e.Name()):
				out = append(out, folderFile{rel: p, size: st.Size(), mtime: st.ModTime().UnixNano()})
			}
		}
		return nil
	}
	if err := walk(rel); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b folderFile) int { return strings.Compare(a.rel, b.rel) })
	return out, nil
}
