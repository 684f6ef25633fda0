// Command notices writes the third-party notices of the wgtrain binary to
// standard output: the license texts of the Go toolchain's standard
// library, of every module linked into cmd/wgtrain (read from the module
// cache, as `go list -deps` finds them), and of wgpu-native, the static
// library that the WebGPU binding links. The repository's NOTICE file is
// its output:
//
//	go run ./internal/tools/notices > NOTICE
//
// A test in cmd/wgtrain checks that NOTICE names every module the binary
// links, so that a new dependency cannot be added without its notice.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
)

// licenseFile matches the files of a module's root directory that hold its
// license terms.
var licenseFile = regexp.MustCompile(`^(?i)(licen[cs]e|copying|notice|patents)([-._].*)?$`)

// chosen names, for modules offered under a choice of licenses, the file
// of the license wgtrain takes, and a line saying so.
var chosen = map[string][2]string{
	"github.com/golang/freetype": {"licenses/ftl.txt", "wgtrain uses Freetype-Go under the FreeType License, the first of the two licenses offered."},
}

// wgpuNative is the notice of the Rust library inside the binding's
// libwgpu_native.a, which the binding's module carries without a license
// file of its own.
const wgpuNative = `wgpu-native (linked as libwgpu_native.a through github.com/rajveermalviya/go-webgpu/wgpu),
https://github.com/gfx-rs/wgpu-native, and the crates it is built from
(wgpu-core, wgpu-hal, wgpu-types and naga of https://github.com/gfx-rs/wgpu,
and their Rust dependencies), each licensed under either of the MIT license
or the Apache License, Version 2.0, at the user's option. wgtrain takes
them under the MIT license:

MIT License

Copyright (c) 2021 The gfx-rs developers

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to
deal in the Software without restriction, including without limitation the
rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
IN THE SOFTWARE.
`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "notices:", err)
		os.Exit(1)
	}
}

type module struct{ path, version, dir string }

func run() error {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}", "./cmd/wgtrain").Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	seen := map[string]bool{}
	var mods []module
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) != 3 || seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		mods = append(mods, module{f[0], f[1], f[2]})
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].path < mods[j].path })

	w := bufio.NewWriter(os.Stdout)
	fmt.Fprint(w, `Third-party notices for wgtrain

The wgtrain binary is one static program. Besides wgtrain's own code
(dual-licensed MIT or Apache-2.0: LICENSE-MIT, LICENSE-APACHE) it contains
the Go standard library, the Go modules below at the versions given, and
wgpu-native. Their license texts follow, each under a line of '='.
This file is written by: go run ./internal/tools/notices > NOTICE
`)
	section(w, "The Go standard library ("+runtime.Version()+")")
	if err := copyFile(w, filepath.Join(runtime.GOROOT(), "LICENSE")); err != nil {
		return err
	}
	for _, m := range mods {
		section(w, "Go module "+m.path+" "+m.version)
		if c, ok := chosen[m.path]; ok {
			fmt.Fprintln(w, c[1])
			fmt.Fprintln(w)
			if err := copyFile(w, filepath.Join(m.dir, c[0])); err != nil {
				return err
			}
			continue
		}
		entries, err := os.ReadDir(m.dir)
		if err != nil {
			return err
		}
		n := 0
		for _, e := range entries {
			if e.Type().IsRegular() && licenseFile.MatchString(e.Name()) {
				if n > 0 {
					fmt.Fprintln(w, "\n--- "+e.Name())
				}
				if err := copyFile(w, filepath.Join(m.dir, e.Name())); err != nil {
					return err
				}
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("%s: no license file in %s", m.path, m.dir)
		}
	}
	section(w, "wgpu-native")
	fmt.Fprint(w, wgpuNative)
	return w.Flush()
}

func section(w *bufio.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n%s\n\n", strings.Repeat("=", 76), title)
}

func copyFile(w *bufio.Writer, name string) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	b = bytes.TrimRight(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), "\n")
	w.Write(b)
	w.WriteByte('\n')
	return nil
}
