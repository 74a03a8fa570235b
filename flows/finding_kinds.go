package flows

// FindingKind names what a [Finding] is about ("retransmit",
// "no_proposal_chosen", …). The kinds ikeflow emits are listed, with
// their default severity and a one-line description, in one table
// ([FindingKinds]); docs/json.md is checked against it. Error notifies
// without a dedicated kind use the notify name in lower case
// ("invalid_syntax", …): see [NotifyFindingKind].
type FindingKind string

// Finding kinds. To add one: a constant and a row in findingKinds here,
// and the emitter that reports it.
const (
	KindRetransmit         FindingKind = "retransmit"
	KindUnanswered         FindingKind = "unanswered_request"
	KindMIDDesync          FindingKind = "message_id_desync"
	KindMIDSync            FindingKind = "message_id_sync"
	KindNoProposalChosen   FindingKind = "no_proposal_chosen"
	KindTSUnacceptable     FindingKind = "ts_unacceptable"
	KindTSNarrowed         FindingKind = "ts_narrowed"
	KindAuthFailed         FindingKind = "authentication_failed"
	KindInvalidKE          FindingKind = "invalid_ke_payload"
	KindCookie             FindingKind = "cookie"
	KindHalfOpen           FindingKind = "half_open"
	KindFlapping           FindingKind = "sa_flapping"
	KindOneWayESP          FindingKind = "one_way_esp"
	KindNoESP              FindingKind = "no_esp"
	KindDeadPeer           FindingKind = "dead_peer"
	KindICMPUnreachable    FindingKind = "icmp_unreachable"
	KindRekeyCollision     FindingKind = "rekey_collision"
	KindWeakCrypto         FindingKind = "weak_crypto"
	KindNATDetected        FindingKind = "nat_detected"
	KindMalformed          FindingKind = "malformed"
	KindUnmatchedESP       FindingKind = "esp_without_ike"
	KindInvalidIDInfo      FindingKind = "invalid_id_information"
	KindPayloadMalformed   FindingKind = "payload_malformed"
	KindInvalidPayloadType FindingKind = "invalid_payload_type"
	KindSlowResponse       FindingKind = "slow_response"
	KindTemporaryFailure   FindingKind = "temporary_failure"
	KindChildSANotFound    FindingKind = "child_sa_not_found"
	KindChildRefused       FindingKind = "child_sa_refused"
	KindEndUnknown         FindingKind = "end_unknown"
	KindESPAmbiguous       FindingKind = "esp_ambiguous"
	KindRedirect           FindingKind = "redirect"
	KindAbandoned          FindingKind = "sa_abandoned"
	KindDeletedAfterAuth   FindingKind = "deleted_after_auth"
	KindIgnoredRekey       FindingKind = "create_child_sa_ignored"
	KindKeyFailed          FindingKind = "key_does_not_verify"
	KindCaptureDuplicate   FindingKind = "capture_duplicate"
	KindOutOfOrder         FindingKind = "out_of_order"
	KindCertificate        FindingKind = "certificate"
	KindCertExpired        FindingKind = "certificate_expired"
	KindCertNotYetValid    FindingKind = "certificate_not_yet_valid"
	KindIDNotInCert        FindingKind = "id_not_in_certificate"
	KindIDrMismatch        FindingKind = "idr_mismatch"
	KindNoCertSent         FindingKind = "no_certificate_sent"
	KindCertCANotRequested FindingKind = "certificate_ca_not_requested"
	KindCertChain          FindingKind = "certificate_chain_unverifiable"
	KindWeakCertificate    FindingKind = "weak_certificate"
	KindHashAlgMismatch    FindingKind = "signature_hash_mismatch"
	KindAuthMethodMismatch FindingKind = "auth_method_mismatch"
	KindCertDamaged        FindingKind = "certificate_damaged"
	KindAuthFailedEvidence FindingKind = "authentication_failed_evidence"
	KindFragmentsMissing   FindingKind = "fragments_missing"
	KindLateStart          FindingKind = "started_before_capture"
	KindCaptureGap         FindingKind = "capture_gap"
	KindSnapLength         FindingKind = "snap_length"
	KindClockJump          FindingKind = "capture_clock_jump"
	KindCoarseTime         FindingKind = "coarse_timestamps"
	KindCaptureLoss        FindingKind = "capture_loss"
)

// FindingKindInfo is one row of the finding-kind registry. Severity is the
// usual one; an emitter may raise or lower it where the context says more
// (the message then says why).
type FindingKindInfo struct {
	Kind     FindingKind
	Severity Severity
	Doc      string
}

// findingKinds is the registry: every kind ikeflow emits, once.
var findingKinds = [...]FindingKindInfo{
	{KindRetransmit, SeverityWarning, "a message was sent again: the peer or the path lost or did not answer it"},
	{KindUnanswered, SeverityWarning, "a request never got a response in the capture"},
	{KindMIDDesync, SeverityWarning, "message IDs out of step between the peers (RFC 7296 §2.2)"},
	{KindMIDSync, SeverityInfo, "an IKEV2_MESSAGE_ID_SYNC exchange (RFC 6311)"},
	{KindNoProposalChosen, SeverityError, "the responder accepted none of the proposals offered"},
	{KindTSUnacceptable, SeverityError, "the responder refused the traffic selectors"},
	{KindTSNarrowed, SeverityInfo, "the responder narrowed the traffic selectors asked for"},
	{KindAuthFailed, SeverityError, "AUTHENTICATION_FAILED, or the IKEv1 equivalent"},
	{KindInvalidKE, SeverityWarning, "INVALID_KE_PAYLOAD: the initiator guessed the wrong key exchange group"},
	{KindCookie, SeverityInfo, "the responder asked for a COOKIE (RFC 7296 §2.6)"},
	{KindHalfOpen, SeverityWarning, "an IKE SA that never finished its initial exchanges"},
	{KindFlapping, SeverityWarning, "the same peers set up IKE SAs again and again; as info on captures with over 131,072 pairs of peers, that some histories were dropped to bound memory"},
	{KindOneWayESP, SeverityWarning, "ESP seen in one direction only"},
	{KindNoESP, SeverityWarning, "a child SA with no ESP in the capture"},
	{KindDeadPeer, SeverityError, "liveness checks (DPD), or a request resent into silence, went unanswered"},
	{KindICMPUnreachable, SeverityWarning, "IKE datagrams of the SA drew ICMP destination unreachables: port (no IKE daemon), prohibited (a firewall), host or net (no route)"},
	{KindRekeyCollision, SeverityInfo, "both peers rekeyed the same SA at once (RFC 7296 §2.8.1 child SA, §2.8.2 IKE SA)"},
	{KindWeakCrypto, SeverityWarning, "an algorithm that is deprecated or weak was negotiated or offered"},
	{KindNATDetected, SeverityInfo, "NAT detection found a NAT between the peers"},
	{KindMalformed, SeverityWarning, "on an SA: messages ikeflow could not decode completely, and the frame, octet and field where the first stopped; capture-wide: messages on IKE ports whose header could not be read (too short, a major version other than 1 or 2, a length below 28) or whose header flags have reserved bits set, which were not analysed"},
	{KindUnmatchedESP, SeverityInfo, "ESP whose SPI no IKE SA in the capture negotiated"},
	{KindInvalidIDInfo, SeverityError, "the peer sent INVALID-ID-INFORMATION (IKEv1)"},
	{KindPayloadMalformed, SeverityError, "the peer sent a PAYLOAD-MALFORMED notify"},
	{KindInvalidPayloadType, SeverityError, "the peer sent an INVALID-PAYLOAD-TYPE notify"},
	{KindSlowResponse, SeverityInfo, "a response that took unusually long"},
	{KindTemporaryFailure, SeverityWarning, "TEMPORARY_FAILURE: the peer is busy, e.g. rekeying (RFC 7296 §2.25)"},
	{KindChildSANotFound, SeverityWarning, "CHILD_SA_NOT_FOUND: the peer no longer has the child SA (RFC 7296 §2.25)"},
	{KindChildRefused, SeverityWarning, "a child SA or quick mode answered with what is almost certainly an encrypted error"},
	{KindEndUnknown, SeverityInfo, "without keys: the SA's last exchange is an encrypted INFORMATIONAL (a Delete or a liveness check) and nothing follows; or an IKEv1 XAUTH (Mode Config) the capture ends too soon after to show how it came out; or an SA that may have gone on over UDP 4500 in a capture that holds nothing off UDP 500 (a capture filter \"udp port 500\")"},
	{KindESPAmbiguous, SeverityInfo, "without keys: a child SA's ESP may belong to another IKE SA between the same addresses and ports, up at the same time"},
	{KindRedirect, SeverityInfo, "the gateway sent the initiator to another gateway (RFC 5685)"},
	{KindAbandoned, SeverityWarning, "an IKE SA left after IKE_AUTH without a Delete and replaced by a new one (info when the capture ends, or the SA is finalised as idle, before it could show the Delete a make-before-break reauthentication sends once the new SA is up)"},
	{KindDeletedAfterAuth, SeverityError, "an IKE SA its initiator deleted right after IKE_AUTH, before using it"},
	{KindIgnoredRekey, SeverityWarning, "a CREATE_CHILD_SA request ignored, then a new IKE SA instead of a rekey"},
	{KindKeyFailed, SeverityWarning, "the key given for an SA does not verify"},
	{KindCaptureDuplicate, SeverityInfo, "packets recorded twice by the capture (the same bytes within 5 ms; or later, up to 250 ms, with another IP TTL, as seen on both sides of a router; ESP up to 250 ms, and an IKE message up to 100 ms, with the same TTL, when nothing the other peer sent between the two asked for it again), left out of the analysis; a warning when one address differs between the copies (a capture on both sides of a NAT, \"-i any\" on the translating host), whose copies are all analysed"},
	{KindOutOfOrder, SeverityWarning, "frames too far out of time order to be reordered, or requests timestamped after their own responses (merged captures whose clocks differ); a finding judged from the order of packets that rests on such a frame, or on one of its SA, says so and is at most a warning"},
	{KindCertificate, SeverityInfo, "a certificate a peer sent: subject, issuer, validity"},
	{KindCertExpired, SeverityError, "a certificate expired at the time of the exchange"},
	{KindCertNotYetValid, SeverityError, "a certificate not yet valid at the time of the exchange"},
	{KindIDNotInCert, SeverityWarning, "the peer's ID is not in its certificate"},
	{KindIDrMismatch, SeverityWarning, "the responder's IDr differs from the one the initiator asked for"},
	{KindNoCertSent, SeverityWarning, "a peer that authenticates with a signature sent no certificate"},
	{KindCertCANotRequested, SeverityWarning, "the certificate's CA was not among those the peer requested"},
	{KindCertChain, SeverityWarning, "the certificate chain cannot be verified from what was sent"},
	{KindWeakCertificate, SeverityWarning, "a certificate with a weak key or signature"},
	{KindHashAlgMismatch, SeverityWarning, "no common signature hash algorithm (RFC 7427)"},
	{KindAuthMethodMismatch, SeverityWarning, "authentication failed between peers using different methods (shared key and signature)"},
	{KindCertDamaged, SeverityWarning, "a certificate that does not parse"},
	{KindAuthFailedEvidence, SeverityError, "what in the capture points at the cause of an authentication failure"},
	{KindFragmentsMissing, SeverityWarning, "a message sent in fragments (IKEv1's, or IKEv2's of RFC 7383) of which the capture lacks some or holds some only cut short, or that was never reassembled: names the fragments seen, missing and cut, and says whether the receiver got them all"},
	{KindLateStart, SeverityInfo, "an SA that began before the capture: IKEv1, which peer initiated it is a guess; IKEv2, taken as established (from its first message in the capture) once an answered CREATE_CHILD_SA, a request of the responder, a second answered INFORMATIONAL, or one with ESP both ways between the peers, shows both peers held it; IKEv1, once a quick mode or a DPD exchange shows phase 1 was complete"},
	{KindCaptureGap, SeverityInfo, "messages the peers show were sent, missing from the capture only: IKEv2 by their message IDs, IKEv1 by the message that answers them (phase 1, quick mode)"},
	{KindClockJump, SeverityWarning, "capture-wide: an answer the capture times minutes after its request's last transmission, which no IKE peer waits for: the capturing host's clock jumped (or the capture paused) there, and times across that point are off"},
	{KindCoarseTime, SeverityWarning, "capture-wide: every packet is timed on a whole second (times kept to the second only): durations under a second are not known, and the findings judged from them (deleted_after_auth, slow_response, rekey_collision, sa_abandoned) say so and are at most warnings"},
	{KindSnapLength, SeverityWarning, "capture-wide: IKE messages the capture cut short (its snap length), with how many octets it kept; what they held past the cut is unknown"},
	{KindCaptureLoss, SeverityWarning, "capture-wide: packets the capture dropped while it was taken (the count a pcapng file records, or the kernel's on a live interface), which may be what findings resting on packets not seen miss"},
}

// FindingKinds returns the registry: every finding kind ikeflow emits with
// its default severity and a one-line description, in a new slice.
func FindingKinds() []FindingKindInfo { return append([]FindingKindInfo(nil), findingKinds[:]...) }

// Info returns the registry row of k; ok is false for a notify-derived
// kind without a row (see [NotifyFindingKind]).
func (k FindingKind) Info() (info FindingKindInfo, ok bool) {
	for _, r := range findingKinds {
		if r.Kind == k {
			return r, true
		}
	}
	return FindingKindInfo{Kind: k, Severity: SeverityError}, false
}

// String returns the kind's name, e.g. "retransmit".
func (k FindingKind) String() string { return string(k) }
