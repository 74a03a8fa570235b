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
	cols, ok := termCols(w)
	if !ok {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if cols > 0 {
		return cols
	}
	return 80
}

// isTerminal reports whether w is a terminal: a character device that
// answers the terminal's window-size request. Not every character device
// is one: /dev/null is also a character device, and output sent there
// (as benchmarks and scripts do) was laid out for an 80-column terminal,
// in colour, rendered twice (the wide tables, then the narrow form) for
// nothing.
func isTerminal(w io.Writer) bool {
	_, ok := termCols(w)
	return ok
}

// termCols asks w's window size once: ok when w is a terminal (isTerminal),
// with its width in columns (0 when it says none).
func termCols(w io.Writer) (cols int, ok bool) {
	f, isFile := w.(*os.File)
	if !isFile {
		return 0, false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return 0, false
	}
	// Through SyscallConn, not Fd: Fd would put the file in blocking mode.
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	var ws *unix.Winsize
	var ioErr error
	if err := rc.Control(func(fd uintptr) { ws, ioErr = unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ) }); err != nil || ioErr != nil {
		return 0, false
	}
	return int(ws.Col), true
}
