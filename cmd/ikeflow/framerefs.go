package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/flows"
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

// localize returns frames as numbers in their own files (JSON keeps its
// documented form: frame numbers as in each file). fr is not modified.
func (r *frameRefs) localize(fr []int) []int {
	if r == nil || len(fr) == 0 {
		return fr
	}
	out := make([]int, len(fr))
	for i, n := range fr {
		_, out[i] = r.where(n)
	}
	return out
}

// localizeSA rewrites every frame number of sa (merged numbering) to its
// number in its own file, for JSON output; sa must not be rendered again.
func (r *frameRefs) localizeSA(sa *flows.SA) {
	if r == nil {
		return
	}
	one := func(n int) int { _, f := r.where(n); return f }
	sa.FirstFrame, sa.LastFrame = one(sa.FirstFrame), one(sa.LastFrame)
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			m.Frame = one(m.Frame)
		}
	}
	for _, c := range sa.ChildSAs {
		c.CreatedFrame = one(c.CreatedFrame)
		if c.DeletedFrame != 0 {
			c.DeletedFrame = one(c.DeletedFrame)
		}
	}
	for i := range sa.Findings {
		sa.Findings[i].Frames = r.localize(sa.Findings[i].Frames)
	}
}
