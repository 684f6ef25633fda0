// Command goversion exits non-zero when the Go toolchain running it is
// older than the version given as its argument (such as 1.26). The
// Makefile uses it to explain a too-old Go before a build fails obscurely.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goversion MAJOR.MINOR")
		os.Exit(2)
	}
	want, ok := parse(os.Args[1])
	have, ok2 := parse(strings.TrimPrefix(runtime.Version(), "go"))
	if !ok || !ok2 {
		fmt.Fprintf(os.Stderr, "goversion: cannot compare %q with %q\n", os.Args[1], runtime.Version())
		os.Exit(2)
	}
	if have[0] < want[0] || (have[0] == want[0] && have[1] < want[1]) {
		os.Exit(1)
	}
}

func parse(v string) ([2]int, bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, false
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return [2]int{a, b}, err1 == nil && err2 == nil
}
