package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"
)

// Exit statuses. Scripts can rely on them.
const (
	exitOK       = 0 // success; with --fail-on, nothing at or above the threshold
	exitError    = 1 // the input could not be read or a runtime error occurred
	exitUsage    = 2 // bad command line
	exitFindings = 3 // --fail-on threshold reached
)

// usageError marks an error in the command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// findingsError reports that --fail-on matched (exit status 3).
type findingsError struct {
	n     int
	level string
}

func (e findingsError) Error() string {
	return fmt.Sprintf("%d finding%s at or above %s", e.n, plural(e.n), e.level)
}

// env is what a command needs from the outside world; tests pass buffers.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"analyze", "rebuild IKE SAs from captures and diagnose what went wrong (the default)", runAnalyze},
		{"dissect", "decode every IKE message, one record per message (text or JSON)", runDissect},
		{"live", "capture on an interface and report IKE/IPsec events as they happen", runLive},
		{"keys", "list key files and which SAs they match; export them for Wireshark", runKeys},
		{"version", "print the version", runVersion},
	}
}

const topUsage = `ikeflow explains what IKE peers said to each other in a packet capture and
what went wrong: refused proposals, mismatched traffic selectors, unanswered
retransmits, message-ID drift, one-way child SAs.

Usage:
  ikeflow FILE...                  same as "ikeflow analyze FILE..."
  ikeflow COMMAND [flags] FILE...

Commands:
%s
Examples:
  ikeflow testdata/corpus/ikev2-psk-success/capture.pcap
  ikeflow dissect --format json capture.pcapng | jq .
  tcpdump -i eth0 -w - 'port 500 or port 4500 or esp or (ip[6:2] & 0x1fff != 0)' | ikeflow dissect -
  ikeflow analyze --keys charon.log capture.pcap

Run "ikeflow COMMAND --help" for a command's flags.
Exit status: 0 ok, 1 error, 2 usage, 3 findings at or above --fail-on.
`

func usage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, topUsage, b.String())
}

// run is main without os.Exit, so tests can call it. A panic (a bug in
// ikeflow) is printed with its stack and ends in exit status 1, never 2:
// status 2 means a bad command line only.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return guard(stderr, func() int { return runCommand(args, stdin, stdout, stderr) })
}

// guard calls f and turns a panic into exitError, printing the panic value
// and the stack and asking for a bug report. (Panics in other goroutines
// and fatal runtime errors such as running out of memory cannot be
// recovered: the Go runtime ends the process with status 2.)
func guard(stderr io.Writer, f func() int) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "ikeflow: internal error (a bug in ikeflow): panic: %v\n\n%s\n", r, debug.Stack())
			fmt.Fprintf(stderr, "ikeflow: please report this bug, with the command line and, if you can, the capture: %s\n", bugURL)
			code = exitError
		}
	}()
	return f()
}

// bugURL is where bugs are reported.
const bugURL = "https://github.com/ikeflow/ikeflow/issues"

// runCommand parses the command name and runs the command.
func runCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	var cmd *command
	rest := args
	switch args[0] {
	case "help", "-h", "--help":
		if len(args) > 1 {
			for _, c := range commands() {
				if c.name == args[1] {
					return runCommand([]string{c.name, "--help"}, stdin, stdout, stderr)
				}
			}
		}
		usage(stdout)
		return exitOK
	case "--version":
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name == args[0] {
			cmd, rest = &c, args[1:]
			break
		}
	}
	if cmd == nil {
		if strings.HasPrefix(args[0], "-") || looksLikeFile(args[0]) {
			c := commands()[0] // analyze is the default
			cmd = &c
		} else {
			fmt.Fprintf(stderr, "ikeflow: unknown command or file %q\n\n", args[0])
			usage(stderr)
			return exitUsage
		}
	}
	err := cmd.run(e, rest)
	var ue usageError
	var fe findingsError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ikeflow %s: %v\n", cmd.name, err)
		fmt.Fprintf(stderr, "Run \"ikeflow %s --help\" for usage.\n", cmd.name)
		return exitUsage
	case errors.As(err, &fe):
		return exitFindings
	default:
		fmt.Fprintf(stderr, "ikeflow %s: %v\n", cmd.name, err)
		return exitError
	}
}

// newFlags returns a flag set for a subcommand with a usage function that
// prints the synopsis, a description and the flags.
func newFlags(e *env, name, synopsis, description string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("ikeflow "+name, pflag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: ikeflow %s %s\n\n%s\n\nFlags:\n%s", name, synopsis, strings.TrimSpace(description), fs.FlagUsages())
	}
	return fs
}

// parseFlags parses args, routing help to stdout and turning errors into usage errors.
func parseFlags(e *env, fs *pflag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return pflag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	return nil
}
