package main

import (
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/citest"
)

// Bare wgtrain, -h, --help and help print the command list, one line
// each, on stdout and exit 0; bare wgtrain no longer trains.
func TestBareWgtrainListsTheCommands(t *testing.T) {
	t.Chdir(t.TempDir()) // where a training run would create logs/exp01
	code, want, errOut := wgtrain()
	if code != 0 || errOut != "" {
		t.Fatalf("bare wgtrain: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat("logs"); err == nil {
		t.Error("bare wgtrain created logs/: it trained")
	}
	if !strings.Contains(want, "usage: wgtrain COMMAND [FLAGS]") {
		t.Errorf("no usage line in\n%s", want)
	}
	for name, c := range commands {
		if !regexp.MustCompile(`(?m)^  ` + name + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(want) {
			t.Errorf("the list has no line %q with its summary %q:\n%s", name, c.summary, want)
		}
	}
	for _, extra := range []string{"help", "version"} {
		if !regexp.MustCompile(`(?m)^  ` + extra + ` +\S`).MatchString(want) {
			t.Errorf("the list has no %q line:\n%s", extra, want)
		}
	}
	for _, line := range strings.Split(want, "\n") {
		if len(line) > 80 {
			t.Errorf("line of %d columns: %q", len(line), line)
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"help", "help"}} {
		code, out, errOut := wgtrain(args...)
		if code != 0 || out != want || errOut != "" {
			t.Errorf("wgtrain %q: exit %d, stderr %q, stdout differs from bare wgtrain's: %v", args, code, errOut, out != want)
		}
	}
}

// Flags without a command are an error that shows how to train.
func TestFlagsBeforeACommand(t *testing.T) {
	code, out, errOut := wgtrain("--epochs", "2")
	if code != 2 || out != "" || !strings.Contains(errOut, "training is 'wgtrain train --epochs 2'") || !strings.Contains(errOut, "usage: wgtrain COMMAND") {
		t.Errorf("wgtrain --epochs 2: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = wgtrain("help", "frobnicate")
	if code != 2 || !strings.Contains(errOut, `no command "frobnicate"`) {
		t.Errorf("wgtrain help frobnicate: exit %d, stderr %q", code, errOut)
	}
}

// wgtrain help COMMAND is COMMAND --help.
func TestHelpCommand(t *testing.T) {
	for _, args := range everyHelp {
		name := strings.Join(args, " ")
		code, out, _ := wgtrain(append([]string{"help"}, args...)...)
		_, want, _ := wgtrain(append(args, "--help")...)
		if code != 0 || out != want || !strings.Contains(out, "usage: wgtrain "+name) {
			t.Errorf("wgtrain help %s: exit %d, output %q, want %s --help's %q", name, code, out, name, want)
		}
	}
}

// --version and version print one line: the module version, the commit
// (unknown under go test, which records no VCS information) and Go's.
func TestVersion(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	want := versionText(bi, ok) + "\n"
	for _, arg := range []string{"--version", "version"} {
		code, out, errOut := wgtrain(arg)
		if code != 0 || out != want || errOut != "" {
			t.Errorf("wgtrain %s: exit %d, stdout %q, stderr %q; want %q", arg, code, out, errOut, want)
		}
	}
	if !strings.HasPrefix(want, "wgtrain ") || !strings.Contains(want, runtime.Version()) || strings.Count(want, "\n") != 1 {
		t.Errorf("version line %q", want)
	}
	if code, _, _ := wgtrain("--version", "x"); code != 2 {
		t.Errorf("--version x: exit %d, want 2", code)
	}
	for _, tc := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "wgtrain (devel), unknown commit, built with " + runtime.Version()},
		{&debug.BuildInfo{}, "wgtrain (devel), unknown commit, built with " + runtime.Version()},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "836ae7e"}, {Key: "vcs.modified", Value: "false"}}},
			"wgtrain v1.2.3, commit 836ae7e, built with " + runtime.Version()},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "836ae7e"}, {Key: "vcs.modified", Value: "true"}}},
			"wgtrain (devel), commit 836ae7e+dirty, built with " + runtime.Version()},
	} {
		if got := versionText(tc.bi, tc.bi != nil); got != tc.want {
			t.Errorf("versionText = %q, want %q", got, tc.want)
		}
	}
}

// helpOf returns a command's --help output.
func helpOf(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := wgtrain(append(args, "--help")...)
	if code != 0 {
		t.Fatalf("%q --help: exit %d, stderr %q", args, code, errOut)
	}
	return out
}

// everyHelp lists every command and data subcommand.
var everyHelp = [][]string{{"train"}, {"predict"}, {"report"}, {"thresholds"}, {"data"}, {"data", "download"}, {"data", "inspect"}, {"bench"}}

// Every command's help opens with one line of what it does, then the
// synopsis.
func TestEveryHelpOpensWithWhatItDoes(t *testing.T) {
	for _, args := range everyHelp {
		name := strings.Join(args, " ")
		lines := strings.Split(helpOf(t, args...), "\n")
		if len(lines) < 3 || lines[0] != summaryOf(name) || lines[0] == "" || lines[1] != "" || !strings.HasPrefix(lines[2], "usage: wgtrain "+name+" ") {
			t.Errorf("wgtrain %s --help opens with %q", name, lines[:min(3, len(lines))])
		}
		if len(lines[0]) > 72 {
			t.Errorf("wgtrain %s: summary of %d columns", name, len(lines[0]))
		}
	}
}

var (
	synopsisFlag = regexp.MustCompile(`(\[)?--([a-z-]+)(?: ([A-Za-z0-9|,.-]+))?`)
	helpFlag     = regexp.MustCompile(`(?m)^\s+--([a-z-]+)\S*(?: (\S+))?\s+.*?(?:\(default "?([^")]*)"?\))?$`)
)

// The synopses match the flags: every flag they name exists; a flag
// outside brackets (required) has no default; listed choices include the
// default; a synopsis without [FLAGS] names every flag.
func TestSynopsesMatchTheFlags(t *testing.T) {
	for _, args := range everyHelp {
		name := strings.Join(args, " ")
		if name == "data" {
			continue // the data group's help shows its subcommands' synopses
		}
		out := helpOf(t, args...)
		head, flagList, ok := strings.Cut(out, "\n\n      --")
		if !ok {
			t.Fatalf("%s: no flag list in\n%s", name, out)
		}
		flagList = "      --" + flagList
		defaults := map[string]string{}
		for _, m := range helpFlag.FindAllStringSubmatch(flagList, -1) {
			defaults[m[1]] = m[3]
		}
		synopsis := strings.SplitN(head, "\n\n", 3)[1] // after the summary
		if i := strings.Index(synopsis, "\n\n"); i >= 0 {
			synopsis = synopsis[:i] // report and thresholds go on to describe
		}
		named := map[string]bool{}
		for _, m := range synopsisFlag.FindAllStringSubmatch(synopsis, -1) {
			optional, flag, choices := m[1] == "[", m[2], m[3]
			named[flag] = true
			def, exists := defaults[flag]
			switch {
			case !exists:
				t.Errorf("%s: the synopsis names --%s, which is not a flag", name, flag)
			case !optional && !strings.Contains(synopsis, "| --"+flag) && def != "":
				t.Errorf("%s: the synopsis marks --%s as required, but it defaults to %q", name, flag, def)
			case strings.Contains(choices, "|") && def != "" && !slices.Contains(strings.Split(choices, "|"), def):
				t.Errorf("%s: --%s %s leaves out its default %q", name, flag, choices, def)
			}
		}
		if !strings.Contains(synopsis, "[FLAGS]") {
			for flag := range defaults {
				if !named[flag] {
					t.Errorf("%s: the synopsis hides --%s", name, flag)
				}
			}
		}
	}
}

// List defaults show as they are typed.
func TestListDefaultsShowAsTyped(t *testing.T) {
	out := helpOf(t, "train")
	for _, want := range []string{"(default 0.5,0.5)", "(default 5,8)", "--loss-weights CE,FOCAL"} {
		if !strings.Contains(out, want) {
			t.Errorf("train --help lacks %q", want)
		}
	}
	if strings.Contains(out, "0.500000") || strings.Contains(out, "[5,8]") || strings.Contains(out, "float64Slice") {
		t.Errorf("train --help shows pflag's list formatting:\n%s", out)
	}
	// The parsed values are still lists of numbers.
	fs, f := trainFlagSet(&strings.Builder{})
	if err := fs.Parse([]string{"--loss-weights", "0.25,2", "--milestones", "1,3"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.lossWeights, []float64{0.25, 2}) || !slices.Equal(f.milestones, []int{1, 3}) {
		t.Errorf("parsed %v and %v", f.lossWeights, f.milestones)
	}
}

// The README and the Makefile say how to find one's way: training is
// `wgtrain train` (which make train runs), `wgtrain help` lists the
// commands, and make test notes skipped WebGPU tests and keeps go test's
// exit status.
func TestDocsSayTrainingIsTheTrainCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wgtrain help", "wgtrain COMMAND --help", "wgtrain train", "wgtrain --version"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not mention %q", want)
		}
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	recipe := func(target string) string {
		_, rest, _ := strings.Cut(string(makefile), "\n"+target+":")
		body, _, _ := strings.Cut(rest, "\n\n")
		return body
	}
	if r := recipe("train"); !strings.Contains(r, "./bin/wgtrain train $(ARGS)") || !strings.Contains(r, "echo \"training with: wgtrain train") {
		t.Errorf("make train's recipe:%s", r)
	}
	if r := recipe("test"); !strings.Contains(r, citest.EnvNotes+"=") || !strings.Contains(r, "exit $$status") || !strings.Contains(r, "tests were skipped") {
		t.Errorf("make test's recipe does not note skips and keep the exit status:%s", r)
	}
}
