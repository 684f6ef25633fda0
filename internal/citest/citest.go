// Package citest decides what a test does when something it needs is
// missing (a WebGPU adapter, the Fashion-MNIST files): under CI it fails,
// elsewhere it skips, and the skip is noted in the file that
// $WGTRAIN_SKIP_NOTES names, so that `make test` can end with a line
// saying what was skipped and why.
package citest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvNotes names the environment variable holding the file that skips
// are noted in, one line each: what, the test binary's package and the
// reason, separated by tabs.
const EnvNotes = "WGTRAIN_SKIP_NOTES"

// Strict reports whether the tests run under CI, where a missing
// prerequisite is a failure: CI is set to anything but "", "0", "false",
// "no" or "off" (in any case), so CI=true, CI=1 and CI=yes all count.
func Strict() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// Missing fails t under CI and skips it elsewhere, noting the skip for
// `make test`. what names the missing thing as the last line of `make
// test` shows it ("WebGPU", "Fashion-MNIST"); why says what was tried.
func Missing(t testing.TB, what, why string) {
	t.Helper()
	if Strict() {
		t.Fatalf("CI=%s: the %s tests cannot run: %s", os.Getenv("CI"), what, why)
	}
	note(what, why)
	t.Skipf("skipping a %s test (CI=true makes this a failure): %s", what, why)
}

// note appends a skip to the notes file, when there is one. A failure to
// write it is not the test's failure: the skip is still in go test's
// output.
func note(what, why string) {
	path := os.Getenv(EnvNotes)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	why = strings.Join(strings.Fields(why), " ") // one line
	fmt.Fprintf(f, "%s\t%s\t%s\n", what, pkg, why)
}
