package dissect

// NotifyType is an IKEv2 Notify Message Type ([RFC 7296] §3.10.1 and the
// IANA "IKEv2 Notify Message Types" registries). Values 1–16383 are errors
// (8192–16383 private use), 16384–65535 are status types (40960–65535
// private use). IKEv1 numbers collide with these (16384 is CONNECTED in
// IKEv1), so IKEv1 uses its own type.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.10.1
type NotifyType uint16

// Notify error types ([RFC 7296] §3.10.1, [RFC 4555], [RFC 5026],
// [RFC 9370], [RFC 9611], [RFC 9838]).
//
// [RFC 4555]: https://www.rfc-editor.org/rfc/rfc4555
// [RFC 5026]: https://www.rfc-editor.org/rfc/rfc5026
// [RFC 9370]: https://www.rfc-editor.org/rfc/rfc9370
// [RFC 9611]: https://www.rfc-editor.org/rfc/rfc9611
// [RFC 9838]: https://www.rfc-editor.org/rfc/rfc9838
const (
	NotifyUnsupportedCriticalPayload NotifyType = 1
	NotifyInvalidIKESPI              NotifyType = 4
	NotifyInvalidMajorVersion        NotifyType = 5
	NotifyInvalidSyntax              NotifyType = 7
	NotifyInvalidMessageID           NotifyType = 9
	NotifyInvalidSPI                 NotifyType = 11
	NotifyNoProposalChosen           NotifyType = 14
	NotifyInvalidKEPayload           NotifyType = 17
	NotifyAuthenticationFailed       NotifyType = 24
	NotifySinglePairRequired         NotifyType = 34
	NotifyNoAdditionalSAs            NotifyType = 35
	NotifyInternalAddressFailure     NotifyType = 36
	NotifyFailedCPRequired           NotifyType = 37
	NotifyTSUnacceptable             NotifyType = 38
	NotifyInvalidSelectors           NotifyType = 39
	NotifyUnacceptableAddresses      NotifyType = 40
	NotifyUnexpectedNATDetected      NotifyType = 41
	NotifyUseAssignedHoA             NotifyType = 42
	NotifyTemporaryFailure           NotifyType = 43
	NotifyChildSANotFound            NotifyType = 44
	NotifyInvalidGroupID             NotifyType = 45
	NotifyAuthorizationFailed        NotifyType = 46
	NotifyStateNotFound              NotifyType = 47
	NotifyTSMaxQueue                 NotifyType = 48
	NotifyRegistrationFailed         NotifyType = 49
)

// String returns the IANA name ("NO_PROPOSAL_CHOSEN",
// "NAT_DETECTION_SOURCE_IP") or the number with its range
// ("private use error 8193", "unassigned status 20000").
func (t NotifyType) String() string { return notifyRegistry.name(t) }

// Known reports whether t has a registered name.
func (t NotifyType) Known() bool { return notifyRegistry.known(t) }

// MarshalText encodes the type as its name.
func (t NotifyType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Notify status types ([RFC 7296] §3.10.1 and the extensions named in the
// comments).
const (
	NotifyInitialContact                  NotifyType = 16384
	NotifySetWindowSize                   NotifyType = 16385
	NotifyAdditionalTSPossible            NotifyType = 16386
	NotifyIPCompSupported                 NotifyType = 16387
	NotifyNATDetectionSourceIP            NotifyType = 16388
	NotifyNATDetectionDestinationIP       NotifyType = 16389
	NotifyCookie                          NotifyType = 16390
	NotifyUseTransportMode                NotifyType = 16391
	NotifyHTTPCertLookupSupported         NotifyType = 16392
	NotifyRekeySA                         NotifyType = 16393
	NotifyESPTFCPaddingNotSupported       NotifyType = 16394
	NotifyNonFirstFragmentsAlso           NotifyType = 16395
	NotifyMOBIKESupported                 NotifyType = 16396 // RFC 4555
	NotifyAdditionalIP4Address            NotifyType = 16397 // RFC 4555
	NotifyAdditionalIP6Address            NotifyType = 16398 // RFC 4555
	NotifyNoAdditionalAddresses           NotifyType = 16399 // RFC 4555
	NotifyUpdateSAAddresses               NotifyType = 16400 // RFC 4555
	NotifyCookie2                         NotifyType = 16401 // RFC 4555
	NotifyNoNATsAllowed                   NotifyType = 16402 // RFC 4555
	NotifyAuthLifetime                    NotifyType = 16403 // RFC 4478
	NotifyMultipleAuthSupported           NotifyType = 16404 // RFC 4739
	NotifyAnotherAuthFollows              NotifyType = 16405 // RFC 4739
	NotifyRedirectSupported               NotifyType = 16406 // RFC 5685
	NotifyRedirect                        NotifyType = 16407 // RFC 5685
	NotifyRedirectedFrom                  NotifyType = 16408 // RFC 5685
	NotifyTicketLTOpaque                  NotifyType = 16409 // RFC 5723
	NotifyTicketRequest                   NotifyType = 16410 // RFC 5723
	NotifyTicketAck                       NotifyType = 16411 // RFC 5723
	NotifyTicketNack                      NotifyType = 16412 // RFC 5723
	NotifyTicketOpaque                    NotifyType = 16413 // RFC 5723
	NotifyLinkID                          NotifyType = 16414 // RFC 5739
	NotifyUseWESPMode                     NotifyType = 16415 // RFC 5840
	NotifyROHCSupported                   NotifyType = 16416 // RFC 5857
	NotifyEAPOnlyAuthentication           NotifyType = 16417 // RFC 5998
	NotifyChildlessIKEv2Supported         NotifyType = 16418 // RFC 6023
	NotifyQuickCrashDetection             NotifyType = 16419 // RFC 6290
	NotifyIKEv2MessageIDSyncSupported     NotifyType = 16420 // RFC 6311
	NotifyIPsecReplayCounterSyncSupported NotifyType = 16421 // RFC 6311
	NotifyIKEv2MessageIDSync              NotifyType = 16422 // RFC 6311
	NotifyIPsecReplayCounterSync          NotifyType = 16423 // RFC 6311
	NotifySecurePasswordMethods           NotifyType = 16424 // RFC 6467
	NotifyPSKPersist                      NotifyType = 16425 // RFC 6631
	NotifyPSKConfirm                      NotifyType = 16426 // RFC 6631
	NotifyERXSupported                    NotifyType = 16427 // RFC 6867
	NotifyIFOMCapability                  NotifyType = 16428
	NotifyGroupSender                     NotifyType = 16429 // RFC 9838 (formerly SENDER_REQUEST_ID)
	NotifyIKEv2FragmentationSupported     NotifyType = 16430 // RFC 7383
	NotifySignatureHashAlgorithms         NotifyType = 16431 // RFC 7427
	NotifyCloneIKESASupported             NotifyType = 16432 // RFC 7791
	NotifyCloneIKESA                      NotifyType = 16433 // RFC 7791
	NotifyPuzzle                          NotifyType = 16434 // RFC 8019
	NotifyUsePPK                          NotifyType = 16435 // RFC 8784
	NotifyPPKIdentity                     NotifyType = 16436 // RFC 8784
	NotifyNoPPKAuth                       NotifyType = 16437 // RFC 8784
	NotifyIntermediateExchangeSupported   NotifyType = 16438 // RFC 9242
	NotifyIP4Allowed                      NotifyType = 16439 // RFC 8983
	NotifyIP6Allowed                      NotifyType = 16440 // RFC 8983
	NotifyAdditionalKeyExchange           NotifyType = 16441 // RFC 9370
	NotifyUseAggfrag                      NotifyType = 16442 // RFC 9347
	NotifySupportedAuthMethods            NotifyType = 16443 // RFC 9593
	NotifySAResourceInfo                  NotifyType = 16444 // RFC 9611
	NotifyUsePPKInt                       NotifyType = 16445 // RFC 9867
	NotifyPPKIdentityKey                  NotifyType = 16446 // RFC 9867
	NotifyIKESAInitFullTranscriptAuth     NotifyType = 16447
)

var notifyRegistry = registry[NotifyType]{
	names: map[NotifyType]string{
		NotifyUnsupportedCriticalPayload: "UNSUPPORTED_CRITICAL_PAYLOAD",
		NotifyInvalidIKESPI:              "INVALID_IKE_SPI",
		NotifyInvalidMajorVersion:        "INVALID_MAJOR_VERSION",
		NotifyInvalidSyntax:              "INVALID_SYNTAX",
		NotifyInvalidMessageID:           "INVALID_MESSAGE_ID",
		NotifyInvalidSPI:                 "INVALID_SPI",
		NotifyNoProposalChosen:           "NO_PROPOSAL_CHOSEN",
		NotifyInvalidKEPayload:           "INVALID_KE_PAYLOAD",
		NotifyAuthenticationFailed:       "AUTHENTICATION_FAILED",
		NotifySinglePairRequired:         "SINGLE_PAIR_REQUIRED",
		NotifyNoAdditionalSAs:            "NO_ADDITIONAL_SAS",
		NotifyInternalAddressFailure:     "INTERNAL_ADDRESS_FAILURE",
		NotifyFailedCPRequired:           "FAILED_CP_REQUIRED",
		NotifyTSUnacceptable:             "TS_UNACCEPTABLE",
		NotifyInvalidSelectors:           "INVALID_SELECTORS",
		NotifyUnacceptableAddresses:      "UNACCEPTABLE_ADDRESSES",
		NotifyUnexpectedNATDetected:      "UNEXPECTED_NAT_DETECTED",
		NotifyUseAssignedHoA:             "USE_ASSIGNED_HoA",
		NotifyTemporaryFailure:           "TEMPORARY_FAILURE",
		NotifyChildSANotFound:            "CHILD_SA_NOT_FOUND",
		NotifyInvalidGroupID:             "INVALID_GROUP_ID",
		NotifyAuthorizationFailed:        "AUTHORIZATION_FAILED",
		NotifyStateNotFound:              "STATE_NOT_FOUND",
		NotifyTSMaxQueue:                 "TS_MAX_QUEUE",
		NotifyRegistrationFailed:         "REGISTRATION_FAILED",

		NotifyInitialContact:                  "INITIAL_CONTACT",
		NotifySetWindowSize:                   "SET_WINDOW_SIZE",
		NotifyAdditionalTSPossible:            "ADDITIONAL_TS_POSSIBLE",
		NotifyIPCompSupported:                 "IPCOMP_SUPPORTED",
		NotifyNATDetectionSourceIP:            "NAT_DETECTION_SOURCE_IP",
		NotifyNATDetectionDestinationIP:       "NAT_DETECTION_DESTINATION_IP",
		NotifyCookie:                          "COOKIE",
		NotifyUseTransportMode:                "USE_TRANSPORT_MODE",
		NotifyHTTPCertLookupSupported:         "HTTP_CERT_LOOKUP_SUPPORTED",
		NotifyRekeySA:                         "REKEY_SA",
		NotifyESPTFCPaddingNotSupported:       "ESP_TFC_PADDING_NOT_SUPPORTED",
		NotifyNonFirstFragmentsAlso:           "NON_FIRST_FRAGMENTS_ALSO",
		NotifyMOBIKESupported:                 "MOBIKE_SUPPORTED",
		NotifyAdditionalIP4Address:            "ADDITIONAL_IP4_ADDRESS",
		NotifyAdditionalIP6Address:            "ADDITIONAL_IP6_ADDRESS",
		NotifyNoAdditionalAddresses:           "NO_ADDITIONAL_ADDRESSES",
		NotifyUpdateSAAddresses:               "UPDATE_SA_ADDRESSES",
		NotifyCookie2:                         "COOKIE2",
		NotifyNoNATsAllowed:                   "NO_NATS_ALLOWED",
		NotifyAuthLifetime:                    "AUTH_LIFETIME",
		NotifyMultipleAuthSupported:           "MULTIPLE_AUTH_SUPPORTED",
		NotifyAnotherAuthFollows:              "ANOTHER_AUTH_FOLLOWS",
		NotifyRedirectSupported:               "REDIRECT_SUPPORTED",
		NotifyRedirect:                        "REDIRECT",
		NotifyRedirectedFrom:                  "REDIRECTED_FROM",
		NotifyTicketLTOpaque:                  "TICKET_LT_OPAQUE",
		NotifyTicketRequest:                   "TICKET_REQUEST",
		NotifyTicketAck:                       "TICKET_ACK",
		NotifyTicketNack:                      "TICKET_NACK",
		NotifyTicketOpaque:                    "TICKET_OPAQUE",
		NotifyLinkID:                          "LINK_ID",
		NotifyUseWESPMode:                     "USE_WESP_MODE",
		NotifyROHCSupported:                   "ROHC_SUPPORTED",
		NotifyEAPOnlyAuthentication:           "EAP_ONLY_AUTHENTICATION",
		NotifyChildlessIKEv2Supported:         "CHILDLESS_IKEV2_SUPPORTED",
		NotifyQuickCrashDetection:             "QUICK_CRASH_DETECTION",
		NotifyIKEv2MessageIDSyncSupported:     "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
		NotifyIPsecReplayCounterSyncSupported: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED",
		NotifyIKEv2MessageIDSync:              "IKEV2_MESSAGE_ID_SYNC",
		NotifyIPsecReplayCounterSync:          "IPSEC_REPLAY_COUNTER_SYNC",
		NotifySecurePasswordMethods:           "SECURE_PASSWORD_METHODS",
		NotifyPSKPersist:                      "PSK_PERSIST",
		NotifyPSKConfirm:                      "PSK_CONFIRM",
		NotifyERXSupported:                    "ERX_SUPPORTED",
		NotifyIFOMCapability:                  "IFOM_CAPABILITY",
		NotifyGroupSender:                     "GROUP_SENDER",
		NotifyIKEv2FragmentationSupported:     "IKEV2_FRAGMENTATION_SUPPORTED",
		NotifySignatureHashAlgorithms:         "SIGNATURE_HASH_ALGORITHMS",
		NotifyCloneIKESASupported:             "CLONE_IKE_SA_SUPPORTED",
		NotifyCloneIKESA:                      "CLONE_IKE_SA",
		NotifyPuzzle:                          "PUZZLE",
		NotifyUsePPK:                          "USE_PPK",
		NotifyPPKIdentity:                     "PPK_IDENTITY",
		NotifyNoPPKAuth:                       "NO_PPK_AUTH",
		NotifyIntermediateExchangeSupported:   "INTERMEDIATE_EXCHANGE_SUPPORTED",
		NotifyIP4Allowed:                      "IP4_ALLOWED",
		NotifyIP6Allowed:                      "IP6_ALLOWED",
		NotifyAdditionalKeyExchange:           "ADDITIONAL_KEY_EXCHANGE",
		NotifyUseAggfrag:                      "USE_AGGFRAG",
		NotifySupportedAuthMethods:            "SUPPORTED_AUTH_METHODS",
		NotifySAResourceInfo:                  "SA_RESOURCE_INFO",
		NotifyUsePPKInt:                       "USE_PPK_INT",
		NotifyPPKIdentityKey:                  "PPK_IDENTITY_KEY",
		NotifyIKESAInitFullTranscriptAuth:     "IKE_SA_INIT_FULL_TRANSCRIPT_AUTH",
	},
	ranges: []valueRange{
		{0, 0, "reserved"},
		{1, 49, "reserved"}, // the gaps between assigned error types (2, 3, 6, 8, …)
		{50, 8191, "unassigned error"},
		{8192, 16383, "private use error"},
		{16448, 40959, "unassigned status"},
		{40960, 65535, "private use status"},
	},
}

// IsError reports whether t is in the error range 1–16383 ([RFC 7296]
// §3.10.1). An unknown error type received in a response means the request
// failed.
func (t NotifyType) IsError() bool { return t >= 1 && t <= 16383 }

// IsStatus reports whether t is in the status range 16384–65535.
func (t NotifyType) IsStatus() bool { return t >= 16384 }

// IsPrivateUse reports whether t is in either private-use range
// (8192–16383 errors, 40960–65535 status).
func (t NotifyType) IsPrivateUse() bool {
	return (t >= 8192 && t <= 16383) || t >= 40960
}
