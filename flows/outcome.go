package flows

// outcome is what an IKE SA's negotiation has shown so far, one bit per
// fact; conclude turns it into SA.State and findings. It replaces a
// boolean per fact in saState (4 octets instead of 19).
type outcome uint32

// Outcome bits.
const (
	outInitOK         outcome = 1 << iota // IKE_SA_INIT / MM2 / AM2 answered without error
	outInitRetry                          // the last IKE_SA_INIT response asked for a retry (COOKIE / INVALID_KE_PAYLOAD)
	outAuthTried                          // IKE_AUTH (MM5, AM3) was sent
	outAuthOK                             // authentication completed
	outAuthFailed                         // AUTHENTICATION_FAILED (or equivalent) seen
	outInitFailed                         // IKE_SA_INIT answered with an error
	outDeleted                            // Delete of the IKE SA seen
	outNATSeenI                           // NAT detected for the initiator
	outNATSeenR                           // NAT detected for the responder
	outNATKnown                           // NAT detection payloads (or ports) were seen
	outNATByPort                          // NAT inferred from a translated source port, not hashes
	outCookie                             // a COOKIE challenge was reported
	outAuthUnverified                     // IKE_AUTH answered but encrypted: success assumed
	outChildFailed                        // a child SA negotiation failed
	outCollision                          // rekey collision signs (TEMPORARY_FAILURE, CHILD_SA_NOT_FOUND)
	outRekeyInferred                      // created by a rekey inferred without keys
	outRekeyed                            // replaced by a rekeyed IKE SA
	outChildPending                       // IKEv1 quick mode completed without keys
	outDead                               // liveness checks went unanswered: the peer was declared dead
	outUpBefore                           // IKEv2: set up before the capture began, up by its later exchanges (upBeforeCapture)
	outReauth                             // IKEv1: phase 1 completed while an older ISAKMP SA between the peers was up with IPsec SAs (phase1Done)
	outNATDUnread                         // outNATByPort, from an IKE_SA_INIT cut short (snap length) or damaged: its NAT detection payloads, if any, were not read
	// outTTLStartI, outTTLLowI, outTTLStartR and outTTLLowR (ttl.go): an
	// IKE message of that side came with a TTL hosts start with, or with
	// a lower one. In this order: noteTTL shifts by two per side.
	outTTLStartI
	outTTLLowI
	outTTLStartR
	outTTLLowR
	// outOffPort500I and outOffPort500R (port500.go): that side sent an
	// IKE message over UDP with a port other than 500 at either end (UDP
	// 4500 after NAT detection, RFC 7296 §2.23; a NAT's port).
	outOffPort500I
	outOffPort500R
)

// natSeen returns the bit telling that NAT was detected for side.
func natSeen(side saSide) outcome {
	if side == sideI {
		return outNATSeenI
	}
	return outNATSeenR
}

// has reports whether every bit of b is set.
func (o outcome) has(b outcome) bool { return o&b == b }

// set sets the bits of b.
func (o *outcome) set(b outcome) { *o |= b }

// clear clears the bits of b.
func (o *outcome) clear(b outcome) { *o &^= b }

// put sets the bits of b when v, else clears them.
func (o *outcome) put(b outcome, v bool) {
	if v {
		o.set(b)
	} else {
		o.clear(b)
	}
}
