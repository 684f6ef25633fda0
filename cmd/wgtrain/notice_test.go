package main

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestNoticeNamesEveryModule checks that the repository's NOTICE file
// (written by go run ./internal/tools/notices) has a section for exactly
// the modules, at exactly the versions, that the wgtrain binary links.
func TestNoticeNamesEveryModule(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var linked []string
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" && !slices.Contains(linked, l) {
			linked = append(linked, l)
		}
	}
	slices.Sort(linked)
	notice, err := os.ReadFile("../../NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	for _, m := range regexp.MustCompile(`(?m)^Go module (\S+ \S+)$`).FindAllSubmatch(notice, -1) {
		named = append(named, string(m[1]))
	}
	slices.Sort(named)
	if !slices.Equal(linked, named) {
		t.Errorf("NOTICE names the modules\n  %s\nbut the binary links\n  %s\nrun: go run ./internal/tools/notices > NOTICE",
			strings.Join(named, "\n  "), strings.Join(linked, "\n  "))
	}
	for _, s := range []string{"The Go standard library", "\nwgpu-native\n"} {
		if !strings.Contains(string(notice), s) {
			t.Errorf("NOTICE has no section %q", strings.TrimSpace(s))
		}
	}
}
