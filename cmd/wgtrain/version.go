package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionLine returns what `wgtrain --version` prints: the module
// version, the commit the binary was built from and the Go release, e.g.
// "wgtrain v0.0.0-20250101120000-836ae7e1a2b3+dirty, commit
// 836ae7e1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7+dirty, built with go1.26.0". A
// binary built without version control information (go test, go build
// outside a checkout) says "(devel)" and "unknown commit".
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	return versionText(bi, ok)
}

// versionText formats the build information of versionLine.
func versionText(bi *debug.BuildInfo, ok bool) string {
	version, commit := "(devel)", "unknown commit"
	if ok && bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if rev != "" {
			commit = "commit " + rev + dirty
		}
	}
	return fmt.Sprintf("wgtrain %s, %s, built with %s", version, commit, runtime.Version())
}
