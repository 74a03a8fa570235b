package dissect

import "strconv"

// An IANA registry is held as data: a map from the assigned values to their
// names, and the labelled ranges ("unassigned", "private use") that cover
// the rest. Each registry type's String method is one call to [registry.name]
// (or [describedRegistry.name] where the registry also has a description
// column), so every registry prints an unknown value the same way.
//
// The registry types, their constants, names, ranges and one-line methods
// are written once, in registries.txt; genreg generates
// zz_registries_gen.go from it. Edit the table and run go generate.

//go:generate go run ./internal/genreg

// registryValue is the set of integer types registry values are declared as.
type registryValue interface{ ~uint8 | ~uint16 | ~uint32 }

// registry is a registry whose values have one name each.
type registry[T registryValue] struct {
	names  map[T]string
	ranges []valueRange
}

// name returns the name of v, or v with the label of its range.
func (r *registry[T]) name(v T) string {
	if n, ok := r.names[v]; ok {
		return n
	}
	return fallbackName(uint32(v), r.ranges)
}

// known reports whether v has a name.
func (r *registry[T]) known(v T) bool { _, ok := r.names[v]; return ok }

// valueString names wire value v as registry type T, e.g.
// valueString[EncrAlgV1] names the values of the IKE Encryption Algorithm
// attribute. v must fit in T.
func valueString[T interface {
	registryValue
	String() string
}](v uint32) string {
	return T(v).String()
}

// regName is a short identifier and the registry's description of a value,
// e.g. {"MODP_2048", "2048-bit MODP Group"}.
type regName struct{ name, desc string }

// describedRegistry is a registry whose values have a short name and a
// longer description.
type describedRegistry[T registryValue] struct {
	names  map[T]regName
	ranges []valueRange
}

// name returns the short name of v, or v with the label of its range.
func (r *describedRegistry[T]) name(v T) string {
	if n, ok := r.names[v]; ok {
		return n.name
	}
	return fallbackName(uint32(v), r.ranges)
}

// desc returns the description of v, or v with the label of its range.
func (r *describedRegistry[T]) desc(v T) string {
	if n, ok := r.names[v]; ok {
		return n.desc
	}
	return fallbackName(uint32(v), r.ranges)
}

// known reports whether v has a name.
func (r *describedRegistry[T]) known(v T) bool { _, ok := r.names[v]; return ok }

// valueRange labels a span of registry values that has no individual name,
// such as "private use" or "unassigned".
type valueRange struct {
	lo, hi uint32
	label  string
}

// fallbackName formats v with the label of the first range containing it,
// e.g. "private use 40961"; values in no range print as "unknown N".
func fallbackName(v uint32, ranges []valueRange) string {
	for _, r := range ranges {
		if v >= r.lo && v <= r.hi {
			return r.label + " " + strconv.FormatUint(uint64(v), 10)
		}
	}
	return "unknown " + strconv.FormatUint(uint64(v), 10)
}
