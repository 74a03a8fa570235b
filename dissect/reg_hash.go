package dissect

// HashAlgorithm is an IKEv2 hash algorithm identifier, carried in the
// SIGNATURE_HASH_ALGORITHMS notify ([RFC 7427] §4; IANA "IKEv2 Hash
// Algorithms"). Values 1024–65535 are private use.
//
// [RFC 7427]: https://www.rfc-editor.org/rfc/rfc7427#section-4
type HashAlgorithm uint16

// Hash algorithms ([RFC 7427], [RFC 8420], [RFC 9385]).
const (
	HashSHA1        HashAlgorithm = 1
	HashSHA2_256    HashAlgorithm = 2
	HashSHA2_384    HashAlgorithm = 3
	HashSHA2_512    HashAlgorithm = 4
	HashIdentity    HashAlgorithm = 5 // RFC 8420 (EdDSA)
	HashStreebog256 HashAlgorithm = 6 // RFC 9385
	HashStreebog512 HashAlgorithm = 7 // RFC 9385
)

// String returns the name ("SHA2_256", "IDENTITY") or the number with its range.
func (h HashAlgorithm) String() string { return hashRegistry.name(h) }

// MarshalText encodes the algorithm as its name.
func (h HashAlgorithm) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

var hashRegistry = registry[HashAlgorithm]{
	names: map[HashAlgorithm]string{
		HashSHA1:        "SHA1",
		HashSHA2_256:    "SHA2_256",
		HashSHA2_384:    "SHA2_384",
		HashSHA2_512:    "SHA2_512",
		HashIdentity:    "IDENTITY",
		HashStreebog256: "STREEBOG_256",
		HashStreebog512: "STREEBOG_512",
	},
	ranges: []valueRange{{0, 0, "reserved"}, {8, 1023, "unassigned"}, {1024, 65535, "private use"}},
}
