package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// versionText describes the build from Go's build information: the module
// version (set by "go install …@version"), the VCS revision and time
// (stamped by "go build" in a git checkout), and the Go version.
func versionText(bi *debug.BuildInfo, ok bool) string {
	v := version
	if !ok {
		if v == "" {
			v = "(unknown)"
		}
		return "ikeflow " + v + " (no build information in the binary)"
	}
	if v == "" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	var rev, when, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	var parts []string
	if bi.Main.Path != "" {
		parts = append(parts, "module "+bi.Main.Path)
	}
	switch {
	case rev != "":
		r := "git " + rev[:min(12, len(rev))]
		if when != "" {
			r += " " + when
		}
		if modified == "true" {
			r += " with local changes"
		}
		parts = append(parts, r)
	case v == "(devel)":
		parts = append(parts, "no VCS revision recorded (built with -buildvcs=false, outside a git checkout, or in a git worktree)")
	}
	parts = append(parts, bi.GoVersion)
	return "ikeflow " + v + " (" + strings.Join(parts, ", ") + ")"
}

func runVersion(e *env, args []string) error {
	bi, ok := debug.ReadBuildInfo()
	fmt.Fprintln(e.stdout, versionText(bi, ok))
	return nil
}
