package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// runIkeflow runs "ikeflow dissect --format json" on capture and returns its messages.
func runIkeflow(bin, capture string, keys []string) ([]msg, error) {
	args := []string{"dissect", "--format", "json", "--quiet"}
	for _, k := range keys {
		args = append(args, "--keys", k)
	}
	args = append(args, capture)
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", bin, strings.Join(args, " "), err, stderr.String())
	}
	var msgs []msg
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return msgs, fmt.Errorf("ikeflow output line %d: %v", len(msgs)+1, err)
		}
		msgs = append(msgs, msgFromJSON(rec))
	}
	return msgs, sc.Err()
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// msgFromJSON turns one ikeflow dissect record into the comparison summary.
func msgFromJSON(rec map[string]any) msg {
	m := msg{
		Frame:     num(rec["frame"]),
		Version:   num(rec["version"]),
		SPIi:      str(rec["spi_i"]),
		SPIr:      str(rec["spi_r"]),
		Exchange:  str(rec["exchange"]),
		MessageID: uint32(num(rec["message_id"])),
	}
	bits := map[string]uint8{"E": 0x01, "C": 0x02, "A": 0x04, "I": 0x08, "V": 0x10, "R": 0x20}
	for _, f := range list(rec["flags"]) {
		m.Flags |= bits[str(f)]
	}
	for _, pv := range list(rec["payloads"]) {
		p, _ := pv.(map[string]any)
		typ := str(p["type"])
		switch typ {
		case "encrypted":
			m.Encrypted = true
		default:
			m.Payloads = append(m.Payloads, typ)
		}
		if typ == "SK" || typ == "SKF" || typ == "encrypted" {
			if str(p["decryption"]) == "decrypted" {
				m.Decrypted = true
				for _, iv := range list(p["payloads"]) {
					ip, _ := iv.(map[string]any)
					m.Inner = append(m.Inner, str(ip["type"]))
					collectJSON(&m, ip, false)
				}
			}
			continue
		}
		collectJSON(&m, p, true)
	}
	return m
}

// collectJSON appends the notify type and transform IDs of one payload.
func collectJSON(m *msg, p map[string]any, clear bool) {
	add := func(list, clearList *[]string, s string) {
		*list = append(*list, s)
		if clear {
			*clearList = append(*clearList, s)
		}
	}
	if n := str(p["notify"]); n != "" {
		add(&m.Notifies, &m.clearNotifies, n)
	}
	for _, propv := range list(p["proposals"]) {
		prop, _ := propv.(map[string]any)
		for _, tv := range list(prop["transforms"]) {
			t, _ := tv.(map[string]any)
			if m.Version == 1 {
				add(&m.Transforms, &m.clearTransforms, fmt.Sprintf("v1:%d", num(t["id"])))
			} else {
				add(&m.Transforms, &m.clearTransforms, fmt.Sprintf("%s:%d", str(t["type"]), num(t["id"])))
			}
		}
	}
}
