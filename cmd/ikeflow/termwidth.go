package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// autoWidth is the --width default: ask the terminal.
const autoWidth = -1

// outputWidth returns the widest line the report may use on w: the flag
// value when given (0: no limit), else, when w is a terminal, COLUMNS when
// set or the terminal's own width (80 if it will not say); 0 (no limit,
// the wide tables) when w is a file or a pipe.
func outputWidth(w io.Writer, flag int) int {
	if flag != autoWidth {
		return max(flag, 0)
	}
	if !isTerminal(w) {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 80
}
