package dissect

// MarshalText encodes the type as its short name.
func (t PayloadType) MarshalText() ([]byte, error) { return []byte(t.Short()), nil }

// Short returns the abbreviation used in RFC diagrams and in ikeflow's JSON
// output ("SA", "KE", "IDi", "N", "SK", "V", "NAT-D", …), or "#N" for
// values without a name.
func (t PayloadType) Short() string {
	if t.Known() {
		return payloadRegistry.name(t)
	}
	return "#" + itoa(int(t))
}
