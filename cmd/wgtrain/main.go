// Command wgtrain trains and evaluates image classifiers on any GPU
// through WebGPU, or on the CPU.
//
//	wgtrain train        train resnet9
//	wgtrain predict      write a predictions file from a checkpoint
//	wgtrain report       the classification report of a predictions file
//	wgtrain thresholds   tune per-class thresholds on one file, score on another
//	wgtrain data         download or inspect a data set
//	wgtrain bench        time training steps and evaluation batches
//	wgtrain help         the commands, or one command's flags
//	wgtrain version      the version and the commit it was built from
//
// Bare `wgtrain`, `wgtrain -h` and `wgtrain --help` list the commands;
// each command takes GNU-style flags, which `wgtrain COMMAND --help`
// lists.
package main

import (
	"errors"
	"fmt"
	"github.com/wgtrain/wgtrain/trainer/dist"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

// command is one subcommand of wgtrain.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// register adds a subcommand; each command's file calls it from init.
func register(c command) { commands[c.name] = c }

// usageError marks an error in how the command was called (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func main() {
	// Vulkan drivers probe for a Wayland display and print "error:
	// XDG_RUNTIME_DIR is invalid or not set" five times on a machine
	// without a desktop session. The command needs no display, so it
	// gives them a directory to find no socket in.
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		os.Setenv("XDG_RUNTIME_DIR", os.TempDir())
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs wgtrain with the given arguments and returns the exit status:
// 0 on success, 1 when the work failed, 2 for a bad command line.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	name, args := args[0], args[1:]
	switch name {
	case "help", "-h", "--help":
		switch {
		case len(args) == 0, len(args) == 1 && (args[0] == "help" || args[0] == "version"):
			usage(stdout)
			return 0
		case commands[args[0]].run != nil: // help data download too
			return run(append(slices.Clone(args), "--help"), stdout, stderr)
		}
		fmt.Fprintf(stderr, "wgtrain: no command %q to show the help of\n", strings.Join(args, " "))
		usage(stderr)
		return 2
	case "version", "--version":
		if len(args) > 0 {
			fmt.Fprintf(stderr, "wgtrain %s: unexpected argument %q\n", name, args[0])
			return 2
		}
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	c, ok := commands[name]
	if !ok {
		if strings.HasPrefix(name, "-") {
			fmt.Fprintf(stderr, "wgtrain: %s comes before any command; training is 'wgtrain train %s'\n", name, strings.Join(append([]string{name}, args...), " "))
		} else {
			fmt.Fprintf(stderr, "wgtrain: unknown command %q\n", name)
		}
		usage(stderr)
		return 2
	}
	if n, from := dist.Launched(); n > 1 && name != "train" && !slices.Contains(args, "--help") && !slices.Contains(args, "-h") {
		// Only train is data-parallel; N copies of another command would
		// each do the same work and write the same files.
		fmt.Fprintf(stderr, "wgtrain %s: started as one of %d processes (%s): only train runs data-parallel; start %s as one process\n", name, n, from, name)
		return 2
	}
	err := c.run(args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "wgtrain %s: %v\n", name, err)
		fmt.Fprintf(stderr, "run 'wgtrain %s --help' for the flags\n", name)
		return 2
	}
	fmt.Fprintf(stderr, "wgtrain %s: %v\n", name, err)
	return 1
}

// usage prints the command list, one line each.
func usage(w io.Writer) {
	fmt.Fprintln(w, "wgtrain trains and evaluates image classifiers through WebGPU or on the CPU.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: wgtrain COMMAND [FLAGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, n := range commandOrder() {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-11s %s\n", "help", "this list; 'wgtrain help COMMAND' shows a command's flags")
	fmt.Fprintf(w, "  %-11s %s\n", "version", "the version and the commit wgtrain was built from")
	fmt.Fprintln(w, "\nrun 'wgtrain COMMAND --help' for a command's flags")
}

// listOrder is the order of the command list: the workflow's, training
// first; a command not named here follows, sorted.
var listOrder = []string{"train", "predict", "report", "thresholds", "data", "bench"}

// commandOrder returns the registered commands' names in list order.
func commandOrder() []string {
	var names, rest []string
	for _, n := range listOrder {
		if _, ok := commands[n]; ok {
			names = append(names, n)
		}
	}
	for n := range commands {
		if !slices.Contains(listOrder, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// newFlags returns a flag set for a subcommand that reports errors as
// usage errors and prints its help to stdout: the command's one-line
// summary, the synopsis, then the flags.
func newFlags(name, synopsis string, stdout io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "%s\n\nusage: wgtrain %s %s\n\n", summaryOf(name), name, synopsis)
		showListDefaults(fs)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// summaryOf returns the one line that says what a command (or a data
// subcommand, "data download") does.
func summaryOf(name string) string {
	if c, ok := commands[name]; ok {
		return c.summary
	}
	return dataSubcommands[name]
}

// parse parses args into fs; --help prints the flags and returns
// pflag.ErrHelp, a bad flag a usageError, and extra arguments are an error.
func parse(fs *pflag.FlagSet, args []string) error {
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseArgs is parse for a command that takes arguments besides its
// flags: they are left in fs.Args().
func parseArgs(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err // pflag has printed the usage
		}
		return usageError{err}
	}
	return nil
}
