package capture

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// MaxFilterInstructions is the longest classic BPF program the Linux
// kernel accepts (BPF_MAXINSNS).
const MaxFilterInstructions = 4096

// ParseFilter parses a compiled classic BPF program given as text, in one
// of the forms tcpdump prints:
//
//   - tcpdump -ddd: the instruction count, then one "code jt jf k"
//     line per instruction, in decimal. Commas may separate the lines
//     instead of newlines (the iptables xt_bpf form "4,48 0 0 9,…").
//   - tcpdump -dd: C initialisers "{ 0x28, 0, 0, 0x0000000c },", one per
//     instruction.
//
// The program is checked the way the kernel checks it before use: at
// least one and at most MaxFilterInstructions instructions, every jump
// inside the program, and a return as the last instruction.
func ParseFilter(text string) ([]bpf.RawInstruction, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("empty filter")
	}
	var prog []bpf.RawInstruction
	var err error
	if strings.HasPrefix(text, "{") {
		prog, err = parseFilterDD(text)
	} else {
		prog, err = parseFilterDDD(text)
	}
	if err != nil {
		return nil, err
	}
	return prog, checkFilter(prog)
}

// parseFilterDDD parses the decimal "count, code jt jf k…" form.
func parseFilterDDD(text string) ([]bpf.RawInstruction, error) {
	lines := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' })
	if len(lines) == 0 {
		return nil, fmt.Errorf("filter: no instructions")
	}
	n, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || len(strings.Fields(lines[0])) != 1 {
		return nil, fmt.Errorf("filter: first line must be the instruction count (tcpdump -ddd output), not %q", clip(lines[0]))
	}
	if n < 1 || n > MaxFilterInstructions {
		return nil, fmt.Errorf("filter: %d instructions; want 1 to %d", n, MaxFilterInstructions)
	}
	body := lines[1:]
	var prog []bpf.RawInstruction
	for i, l := range body {
		if strings.TrimSpace(l) == "" {
			continue
		}
		f := strings.Fields(l)
		if len(f) != 4 {
			return nil, fmt.Errorf("filter: instruction %d: want \"code jt jf k\", got %q", i+1, clip(l))
		}
		ins, err := rawInstruction(f, 10)
		if err != nil {
			return nil, fmt.Errorf("filter: instruction %d: %w", i+1, err)
		}
		prog = append(prog, ins)
		if len(prog) > n {
			break
		}
	}
	if len(prog) != n {
		return nil, fmt.Errorf("filter: the count says %d instructions but %d follow", n, len(prog))
	}
	return prog, nil
}

// parseFilterDD parses the "{ code, jt, jf, k }," form.
func parseFilterDD(text string) ([]bpf.RawInstruction, error) {
	var prog []bpf.RawInstruction
	rest := text
	for i := 1; ; i++ {
		rest = strings.TrimLeft(rest, " \t\r\n,")
		if rest == "" {
			return prog, nil
		}
		if len(prog) >= MaxFilterInstructions {
			return nil, fmt.Errorf("filter: more than %d instructions", MaxFilterInstructions)
		}
		if rest[0] != '{' {
			return nil, fmt.Errorf("filter: instruction %d: want \"{ code, jt, jf, k }\", got %q", i, clip(rest))
		}
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return nil, fmt.Errorf("filter: instruction %d: missing \"}\"", i)
		}
		f := strings.Split(rest[1:end], ",")
		if len(f) != 4 {
			return nil, fmt.Errorf("filter: instruction %d: want 4 fields, got %d", i, len(f))
		}
		ins, err := rawInstruction(f, 0)
		if err != nil {
			return nil, fmt.Errorf("filter: instruction %d: %w", i, err)
		}
		prog = append(prog, ins)
		rest = rest[end+1:]
	}
}

// rawInstruction parses the four fields of an instruction in base (0: C
// notation, 0x for hex).
func rawInstruction(f []string, base int) (bpf.RawInstruction, error) {
	var v [4]uint64
	bits := [4]int{16, 8, 8, 32}
	names := [4]string{"code", "jt", "jf", "k"}
	articles := [4]string{"a", "an", "an", "a"} // "an 8-bit number"
	for i := range f {
		s := strings.TrimSpace(f[i])
		x, err := strconv.ParseUint(s, base, bits[i])
		if err != nil {
			// k is sometimes printed signed (negative ancillary offsets).
			if i == 3 {
				if y, err2 := strconv.ParseInt(s, base, 32); err2 == nil {
					v[i] = uint64(uint32(int32(y)))
					continue
				}
			}
			return bpf.RawInstruction{}, fmt.Errorf("%s %q is not %s %d-bit number", names[i], clip(s), articles[i], bits[i])
		}
		v[i] = x
	}
	return bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}, nil
}

// checkFilter applies the kernel's structural checks.
func checkFilter(prog []bpf.RawInstruction) error {
	n := len(prog)
	if n == 0 || n > MaxFilterInstructions {
		return fmt.Errorf("filter: %d instructions; want 1 to %d", n, MaxFilterInstructions)
	}
	const (
		classJmp = 0x05
		classRet = 0x06
		opJA     = 0x00
	)
	for i, ins := range prog {
		if ins.Op&0x07 != classJmp {
			continue
		}
		if ins.Op&0xf0 == opJA {
			if uint64(i)+1+uint64(ins.K) >= uint64(n) {
				return fmt.Errorf("filter: instruction %d jumps past the end", i+1)
			}
			continue
		}
		if i+1+int(ins.Jt) >= n || i+1+int(ins.Jf) >= n {
			return fmt.Errorf("filter: instruction %d jumps past the end", i+1)
		}
	}
	if prog[n-1].Op&0x07 != classRet {
		return fmt.Errorf("filter: the last instruction must be a return")
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
