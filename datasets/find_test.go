package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindOrder(t *testing.T) {
	cache := isolate(t)
	env := t.TempDir()
	explicit := t.TempDir()
	system := specs["fashion-mnist"].system

	check := func(dir, want string) {
		t.Helper()
		got, err := Find("fashion-mnist", dir)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Find(%q) = %q, want %q", dir, got, want)
		}
	}
	makeIDX(t, system, true)
	check("", system)
	makeIDX(t, filepath.Join(cache, "wgtrain", "fashion-mnist"), true)
	check("", filepath.Join(cache, "wgtrain", "fashion-mnist"))
	t.Setenv(EnvData, env)
	makeIDX(t, env, false) // the files directly in $WGTRAIN_DATA
	check("", env)
	makeIDX(t, filepath.Join(env, "fashion-mnist", "FashionMNIST", "raw"), true) // <name>/ wins
	check("", filepath.Join(env, "fashion-mnist", "FashionMNIST", "raw"))
	makeIDX(t, filepath.Join(explicit, "fashion-mnist"), false)
	check(explicit, filepath.Join(explicit, "fashion-mnist"))
	makeIDX(t, explicit, false)
	check(explicit, explicit)
}

func TestFindExplicitDoesNotFallBack(t *testing.T) {
	cache := isolate(t)
	makeIDX(t, filepath.Join(cache, "wgtrain", "mnist"), true)
	if _, err := Find("mnist", filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("found mnist elsewhere than in the directory given")
	}
}

func TestFindNotFoundSaysWhereAndHow(t *testing.T) {
	cache := isolate(t)
	env := t.TempDir()
	t.Setenv(EnvData, env)
	// An incomplete copy in the cache: named with what is missing.
	dir := filepath.Join(cache, "wgtrain", "fashion-mnist")
	makeIDX(t, dir, true)
	os.Remove(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	_, err := Find("fashion-mnist", "")
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v, want *NotFoundError", err)
	}
	msg := err.Error()
	for _, s := range []string{
		"fashion-mnist not found; looked in:",
		filepath.Join(env, "fashion-mnist") + " ($WGTRAIN_DATA): no such directory",
		env + " ($WGTRAIN_DATA): no Fashion-MNIST files (want train-images-idx3-ubyte",
		dir + " (per-user cache): incomplete: missing t10k-labels-idx1-ubyte",
		specs["fashion-mnist"].system + " (system): no such directory",
		"get it with: wgtrain data download --dataset fashion-mnist (into " + dir + ")",
		"apt-get install dataset-fashion-mnist",
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("error does not say %q:\n%s", s, msg)
		}
	}
	if len(nf.Looked) != 4 {
		t.Errorf("looked in %d places, want 4: %q", len(nf.Looked), nf.Looked)
	}
}

func TestCacheDir(t *testing.T) {
	cache := isolate(t)
	got, err := CacheDir("cifar100")
	if err != nil || got != filepath.Join(cache, "wgtrain", "cifar100") {
		t.Errorf("CacheDir = %q, %v", got, err)
	}
	if _, err := CacheDir("x"); err == nil {
		t.Error("no error for an unknown data set")
	}
}
