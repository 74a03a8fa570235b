package main

import (
	"bytes"
	"fmt"
	"strings"
)

// A registryDef is one IANA registry: its Go type, the constants that name
// its values, their IANA names, the labelled ranges and the one-line methods
// that read the registry.
type registryDef struct {
	typ, underlying, varName string
	described                bool
	doc                      []string // type doc comment, one entry a line
	blocks                   []constBlock
	keys                     []entry // names entries without a constant of their own
	ranges                   []rangeDef
	rangesExpr               string // Go expression for all ranges, instead of ranges
	methods                  []methodDef
	line                     int // line of the registry record
}

// constBlock is one const declaration: parenthesised, or single (one
// constant, no parentheses).
type constBlock struct {
	single bool
	doc    []string
	items  []constItem
}

// constItem is a constant of a block, or a blank line between constants
// (blank set, entry empty).
type constItem struct {
	blank bool
	doc   []string
	entry entry
}

// entry is one value of a registry: the constant (or key expression) that
// stands for it, its IANA name ("" when the registry does not name it), the
// description of described registries and the constant's line comment.
type entry struct {
	key, value, name, desc, comment string
}

// rangeDef labels the span lo–hi (Go expressions) of unnamed values.
type rangeDef struct{ lo, hi, label, comment string }

// methodDef is a one-line method of the registry type: op "name" and
// "desc" return the registry's name or description, "known" whether the
// value has a name, "text" is MarshalText through String.
type methodDef struct {
	recv, name, op string
	doc            []string
}

// fieldCounts is the number of tab-separated fields each record kind has,
// the kind included.
var fieldCounts = map[string]int{
	"registry": 5, "doc": 2, "const": 1, "const1": 1, "cdoc": 2, "blank": 1, "sdoc": 2,
	"v": 6, "key": 4, "range": 5, "ranges": 2, "method": 4, "mdoc": 2,
}

// parseTable reads the registry table. Each line is a record of
// tab-separated fields whose first field is its kind; lines that are empty
// or start with "#" are skipped. A registry record starts a registry; the
// records after it until the next registry record belong to it:
//
//	registry TYPE UNDERLYING VAR plain|described
//	doc      LINE                      type doc comment line ("" for "//")
//	const                              starts a const ( … ) block
//	const1                             starts a const of one v, no parentheses
//	cdoc     LINE                      the block's doc comment line
//	blank                              blank line between constants
//	sdoc     LINE                      doc comment line of the next constant
//	v        CONST VALUE NAME DESC COMMENT
//	key      KEYEXPR NAME DESC         name for a value without own constant
//	range    LO HI LABEL COMMENT
//	ranges   EXPR                      Go expression for all ranges instead
//	method   RECV METHOD name|desc|known|text
//	mdoc     LINE                      doc comment line of that method
//
// In a v record NAME "-" means the constant has no registry entry, and
// COMMENT "=" stands for NAME and "~" for DESC.
func parseTable(src []byte) ([]*registryDef, error) {
	var regs []*registryDef
	var cur *registryDef
	var pendingDoc []string
	var lastMethod *methodDef
	for i, line := range bytes.Split(src, []byte("\n")) {
		ln := i + 1
		s := string(line)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Split(s, "\t")
		want, ok := fieldCounts[f[0]]
		if !ok {
			return nil, fmt.Errorf("%d: unknown record %q", ln, f[0])
		}
		if len(f) != want {
			return nil, fmt.Errorf("%d: %s record has %d fields, want %d", ln, f[0], len(f), want)
		}
		if f[0] != "registry" && cur == nil {
			return nil, fmt.Errorf("%d: %s record before the first registry record", ln, f[0])
		}
		needBlock := func() (*constBlock, error) {
			if len(cur.blocks) == 0 {
				return nil, fmt.Errorf("%d: %s record outside a const block", ln, f[0])
			}
			return &cur.blocks[len(cur.blocks)-1], nil
		}
		switch f[0] {
		case "registry":
			if f[4] != "plain" && f[4] != "described" {
				return nil, fmt.Errorf("%d: registry kind %q is not plain or described", ln, f[4])
			}
			cur = &registryDef{typ: f[1], underlying: f[2], varName: f[3], described: f[4] == "described", line: ln}
			regs = append(regs, cur)
			pendingDoc, lastMethod = nil, nil
		case "doc":
			cur.doc = append(cur.doc, f[1])
		case "const", "const1":
			cur.blocks = append(cur.blocks, constBlock{single: f[0] == "const1"})
		case "cdoc":
			b, err := needBlock()
			if err != nil {
				return nil, err
			}
			b.doc = append(b.doc, f[1])
		case "blank":
			b, err := needBlock()
			if err != nil {
				return nil, err
			}
			b.items = append(b.items, constItem{blank: true})
		case "sdoc":
			pendingDoc = append(pendingDoc, f[1])
		case "v":
			b, err := needBlock()
			if err != nil {
				return nil, err
			}
			e := entry{key: f[1], value: f[2], name: f[3], desc: f[4], comment: f[5]}
			if e.name == "-" {
				e.name = ""
			}
			switch e.comment {
			case "=":
				e.comment = e.name
			case "~":
				e.comment = e.desc
			}
			b.items = append(b.items, constItem{doc: pendingDoc, entry: e})
			pendingDoc = nil
		case "key":
			cur.keys = append(cur.keys, entry{key: f[1], name: f[2], desc: f[3]})
		case "range":
			cur.ranges = append(cur.ranges, rangeDef{lo: f[1], hi: f[2], label: f[3], comment: f[4]})
		case "ranges":
			cur.rangesExpr = f[1]
		case "method":
			switch f[3] {
			case "name", "desc", "known", "text":
			default:
				return nil, fmt.Errorf("%d: method op %q is not name, desc, known or text", ln, f[3])
			}
			cur.methods = append(cur.methods, methodDef{recv: f[1], name: f[2], op: f[3]})
			lastMethod = &cur.methods[len(cur.methods)-1]
		case "mdoc":
			if lastMethod == nil {
				return nil, fmt.Errorf("%d: mdoc record before a method record", ln)
			}
			lastMethod.doc = append(lastMethod.doc, f[1])
		}
		if len(pendingDoc) > 0 && f[0] != "sdoc" {
			return nil, fmt.Errorf("%d: sdoc lines not followed by a v record", ln)
		}
	}
	for _, r := range regs {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("%d: registry %s: %w", r.line, r.typ, err)
		}
	}
	return regs, nil
}

// validate checks what the Go compiler would otherwise report far from the
// table: fields that must not be empty and descriptions in plain
// registries.
func (r *registryDef) validate() error {
	if r.typ == "" || r.underlying == "" || r.varName == "" {
		return fmt.Errorf("empty type, underlying type or variable name")
	}
	seen := map[string]bool{}
	check := func(e entry) error {
		if e.key == "" {
			return fmt.Errorf("entry without a constant or key")
		}
		if seen[e.key] {
			return fmt.Errorf("%s listed twice", e.key)
		}
		seen[e.key] = true
		if !r.described && e.desc != "" {
			return fmt.Errorf("%s has a description in a plain registry", e.key)
		}
		return nil
	}
	for _, b := range r.blocks {
		if b.single && (len(b.items) != 1 || b.items[0].blank || len(b.items[0].doc) > 0) {
			return fmt.Errorf("const1 block must hold exactly one v record")
		}
		for _, it := range b.items {
			if it.blank {
				continue
			}
			if it.entry.value == "" {
				return fmt.Errorf("constant %s without a value", it.entry.key)
			}
			if err := check(it.entry); err != nil {
				return err
			}
		}
	}
	for _, k := range r.keys {
		if k.name == "" {
			return fmt.Errorf("key %s without a name", k.key)
		}
		if err := check(k); err != nil {
			return err
		}
	}
	if r.rangesExpr != "" && len(r.ranges) > 0 {
		return fmt.Errorf("both range records and a ranges expression")
	}
	for _, g := range r.ranges {
		if g.lo == "" || g.hi == "" || g.label == "" {
			return fmt.Errorf("range with an empty field")
		}
	}
	return nil
}
