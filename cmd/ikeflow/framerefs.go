package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// frameRefs names frames in reports. With one input file a frame is its
// number in that file (as Wireshark shows it). With several files the
// analyzer numbers packets in merged (time) order, and frameRefs maps each
// such number back to its file and its frame there: "b.pcap#12" (when two
// files have the same base name, their position tells them apart:
// "2:capture.pcap#12"; legend lists the paths).
type frameRefs struct {
	names []string // file names as printed; nil with one file
	paths []string
	file  []uint16 // per merged packet number (1-based, index n-1): input file index
	frame []uint32 // per merged packet number: frame number in that file
}

// newFrameRefs returns the frame namer for paths; nil (plain numbers) for
// a single input.
func newFrameRefs(paths []string) *frameRefs {
	if len(paths) < 2 {
		return nil
	}
	names := make([]string, len(paths))
	seen := map[string]int{}
	for i, p := range paths {
		names[i] = filepath.Base(p)
		if p == "-" {
			names[i] = "stdin"
		}
		seen[names[i]]++
	}
	for i := range paths {
		if seen[filepath.Base(paths[i])] > 1 {
			names[i] = strconv.Itoa(i+1) + ":" + names[i]
		}
	}
	return &frameRefs{names: names, paths: paths}
}

// legend returns "Files: 1:capture.pcap = a/capture.pcap, …" when file
// names are shortened, else "".
func (r *frameRefs) legend() string {
	if r == nil {
		return ""
	}
	var parts []string
	short := false
	for i, n := range r.names {
		parts = append(parts, n+" = "+r.paths[i])
		short = short || n != r.paths[i]
	}
	if !short {
		return ""
	}
	return "Files: " + strings.Join(parts, ", ")
}

// span names the frames from a to b: "3–9" or "a.pcap#3–9" or
// "a.pcap#3–b.pcap#9".
func (r *frameRefs) span(a, b int) string {
	fa, na := r.where(a)
	fb, nb := r.where(b)
	if fa == fb {
		return r.ref(a) + "–" + strconv.Itoa(nb)
	}
	_ = na
	return r.ref(a) + "–" + r.ref(b)
}

// add records the next merged packet, frame frame of file i, and returns
// the number the analyzer should see for it.
func (r *frameRefs) add(i, frame int) int {
	if r == nil {
		return frame
	}
	r.file = append(r.file, uint16(i))
	r.frame = append(r.frame, uint32(frame))
	return len(r.file)
}

// multi reports whether references carry file names.
func (r *frameRefs) multi() bool { return r != nil }

// where returns the file name and frame number of merged packet n (with one
// input: "", n).
func (r *frameRefs) where(n int) (string, int) {
	if r == nil || n < 1 || n > len(r.file) {
		return "", n
	}
	return r.names[r.file[n-1]], int(r.frame[n-1])
}

// key returns the input file index and frame number of merged packet n.
func (r *frameRefs) key(n int) frameKey {
	if r == nil || n < 1 || n > len(r.file) {
		return frameKey{0, n}
	}
	return frameKey{int(r.file[n-1]), int(r.frame[n-1])}
}

// ref names frame n: "12" or "b.pcap#12".
func (r *frameRefs) ref(n int) string {
	f, fr := r.where(n)
	if f == "" {
		return strconv.Itoa(fr)
	}
	return f + "#" + strconv.Itoa(fr)
}

// list prints frames compactly: "3, 6, 9" or "3, 6, … (12 frames)", at
// most max of them (max <= 0: all). With several files consecutive frames
// of one file share its name: "a.pcap#3, 6; b.pcap#9".
func (r *frameRefs) list(fr []int, max int) string {
	var b strings.Builder
	last := ""
	for i, n := range fr {
		if max > 0 && i == max {
			fmt.Fprintf(&b, ", … (%d frames)", len(fr))
			break
		}
		f, num := r.where(n)
		switch {
		case i == 0:
		case f != last:
			b.WriteString("; ")
		default:
			b.WriteString(", ")
		}
		if f != "" && (i == 0 || f != last) {
			b.WriteString(f + "#")
		}
		last = f
		b.WriteString(strconv.Itoa(num))
	}
	return b.String()
}

// jsonFrameKeys are the JSON fields holding one frame number, and the
// field annotateJSON adds after each to name its file.
var jsonFrameKeys = []struct{ key, file string }{
	{`"frame":`, "file"},
	{`"first_frame":`, "first_file"},
	{`"last_frame":`, "last_file"},
	{`"created_frame":`, "created_file"},
	{`"deleted_frame":`, "deleted_file"},
}

// annotateJSON rewrites the frame numbers of a marshalled analysis object
// (an SA or a finding) from the merged numbering to each file's own, and
// names the file next to each: "frame":N gains "file", "first_frame"
// gains "first_file" and so on, and "frames":[…] gains "files":[…] in the
// same order. With one input it returns b unchanged. Keys are matched only
// right after '{' or ',' (a quote inside a JSON string is escaped, so
// string content cannot match).
func (r *frameRefs) annotateJSON(b []byte) []byte {
	if r == nil {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/4)
	for i := 0; i < len(b); {
		c := b[i]
		out = append(out, c)
		i++
		if (c != '{' && c != ',') || i >= len(b) || b[i] != '"' {
			continue
		}
		rest := b[i:]
		done := false
		for _, k := range jsonFrameKeys {
			if !bytes.HasPrefix(rest, []byte(k.key)) {
				continue
			}
			n, l := leadingInt(rest[len(k.key):])
			if l == 0 {
				break
			}
			f, num := r.where(n)
			out = append(out, k.key...)
			out = strconv.AppendInt(out, int64(num), 10)
			if n > 0 {
				out = append(out, `,"`+k.file+`":`...)
				out = appendString(out, f)
			}
			i += len(k.key) + l
			done = true
			break
		}
		if done || !bytes.HasPrefix(rest, []byte(`"frames":[`)) {
			continue
		}
		j := len(`"frames":[`)
		var nums []int
		for j < len(rest) && rest[j] != ']' {
			n, l := leadingInt(rest[j:])
			if l == 0 {
				break
			}
			nums = append(nums, n)
			j += l
			if j < len(rest) && rest[j] == ',' {
				j++
			}
		}
		if j >= len(rest) || rest[j] != ']' {
			continue // not a list of numbers: copy as is
		}
		out = append(out, `"frames":[`...)
		for x, n := range nums {
			if x > 0 {
				out = append(out, ',')
			}
			_, num := r.where(n)
			out = strconv.AppendInt(out, int64(num), 10)
		}
		out = append(out, `],"files":[`...)
		for x, n := range nums {
			if x > 0 {
				out = append(out, ',')
			}
			f, _ := r.where(n)
			out = appendString(out, f)
		}
		out = append(out, ']')
		i += j + 1
	}
	return out
}

// leadingInt parses the non-negative decimal number at the start of b and
// returns it and its length (0: none).
func leadingInt(b []byte) (int, int) {
	n, l := 0, 0
	for l < len(b) && l < 12 && b[l] >= '0' && b[l] <= '9' {
		n = n*10 + int(b[l]-'0')
		l++
	}
	return n, l
}
