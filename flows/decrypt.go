package flows

import "github.com/ikeflow/ikeflow/decrypt"

// NewDecryptor returns the [Decryptor] the CLI uses: a decrypt.Tracker over
// kr. It opens IKEv2 SK/SKF payloads and IKEv1 encrypted messages, learning
// the IKEv2 suite from IKE_SA_INIT responses and IKE SA rekeys, keeping one
// IKEv1 session per ISAKMP SA, and implements [Forgetter] so its state is
// released with the SAs.
func NewDecryptor(kr *decrypt.Keyring) *decrypt.Tracker { return decrypt.NewTracker(kr) }

// The Tracker must keep the Decryptor and Forgetter method sets.
var (
	_ Decryptor = (*decrypt.Tracker)(nil)
	_ Forgetter = (*decrypt.Tracker)(nil)
)
