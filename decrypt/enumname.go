package decrypt

// enumName returns names[i], the name of an enumeration value, or
// "unknown" for a value without one.
func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return "unknown"
}
