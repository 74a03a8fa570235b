package flows

import (
	"net/netip"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// Report is the result of an analysis: every IKE SA rebuilt from the
// capture and the findings about them. It is the model the CLI renders as
// a table, markdown, CSV or JSON (docs/json.md).
type Report struct {
	// SAs in the order they were first seen (empty when Options.OnSA
	// streams them instead).
	SAs []*SA `json:"sas"`
	// Findings lists every finding of the SAs in SAs, each tagged with
	// its SA's SPIs, followed by capture-wide findings (sa_flapping,
	// ESP without any IKE SA, …), sorted by first frame. With
	// Options.OnSA set it holds only the capture-wide findings.
	Findings []Finding `json:"findings"`
	// CaptureNotes names what in the input could not be read (records or
	// packets cut short or damaged, IP fragments that could not be put
	// together): the analysis lacks what they held. The analyzer does not
	// fill it; the command reading the input does (one line per kind of
	// problem: the first verbatim, with its file and frame, and how many
	// more).
	CaptureNotes []string `json:"capture_notes,omitempty"`
	// Stats counts what the analyzer saw.
	Stats Stats `json:"stats"`
}

// Stats counts packets and SAs seen by an [Analyzer].
type Stats struct {
	IKEPackets     int `json:"ike_packets"`     // IKE messages seen (after filters)
	ESPPackets     int `json:"esp_packets"`     // ESP packets seen (after filters)
	Malformed      int `json:"malformed"`       // IKE messages whose header could not be decoded
	IKESAs         int `json:"ike_sas"`         // IKE SAs reconstructed
	UnmatchedESP   int `json:"unmatched_esp"`   // ESP packets not attributed to any IKE SA
	Decrypted      int `json:"decrypted"`       // encrypted messages decrypted via Options.Decryptor
	DecryptFailed  int `json:"decrypt_failed"`  // encrypted messages the Decryptor could not open
	FilteredOut    int `json:"filtered_out"`    // packets dropped by the peer filter
	FinalizedEarly int `json:"finalized_early"` // SAs finalised by IdleTimeout before Finish
}

// SA is one IKE SA (IKEv2) or ISAKMP SA (IKEv1) as rebuilt from the capture.
type SA struct {
	Version   int            `json:"version"`   // 1 or 2
	Initiator netip.AddrPort `json:"initiator"` // address of the original initiator (IKEv1 SA begun before the capture: a guess, see KindLateStart)
	Responder netip.AddrPort `json:"responder"` // address of the responder (first seen)
	SPIi      dissect.SPI    `json:"spi_i"`     // initiator SPI / cookie
	SPIr      dissect.SPI    `json:"spi_r"`     // responder SPI / cookie (zero if never answered)
	State     State          `json:"state"`
	// Mode is the phase-1 exchange of an IKEv1 SA ("main" or
	// "aggressive"); empty for IKEv2.
	Mode string `json:"mode,omitempty"`
	// Proposal is the negotiated IKE SA proposal (from the IKE_SA_INIT
	// response, MM2 or AM2), e.g. "AES_CBC-256/HMAC_SHA2_256_128/
	// PRF_HMAC_SHA2_256/MODP_2048"; empty when not seen.
	Proposal string `json:"proposal"`
	// Offered lists the proposals of the initiator's SA payload when the
	// responder chose none (or when no answer was seen).
	Offered []string  `json:"offered,omitempty"`
	Start   time.Time `json:"start,omitzero"` // first packet
	End     time.Time `json:"end,omitzero"`   // last packet (IKE or ESP)
	// Established is when the SA came up (IKE_AUTH response, MM6, AM3);
	// zero (absent from JSON) when it never did. No JSON time field holds
	// the zero time: a time that is not known is left out.
	Established time.Time `json:"established,omitzero"`
	FirstFrame  int       `json:"first_frame"`
	LastFrame   int       `json:"last_frame"`
	// Encrypted tells that some encrypted messages of this SA could not be
	// decrypted (no key, or a key that does not verify: see Keys): their
	// contents were not analysed.
	Encrypted bool `json:"encrypted"`
	// Keys tells, per direction, what the keys given did for this SA's
	// encrypted messages; nil when no keys were given (no Decryptor) or
	// nothing was encrypted.
	Keys *KeyCheck `json:"keys,omitempty"`
	// NAT tells who is behind a NAT, from the NAT detection payloads:
	// "initiator", "responder", "both" or "" (none detected or not known).
	NAT string `json:"nat,omitempty"`
	// Transport is "tcp" when IKE messages of this SA came over TCP (RFC
	// 8229, usually to port 4500), "" when they all came over UDP.
	Transport string `json:"transport,omitempty"`
	// RekeyedFrom and RekeyedTo link an IKE SA rekey chain: the SPIs
	// ("spii/spir") of the SA this one replaced and of its replacement.
	RekeyedFrom string `json:"rekeyed_from,omitempty"`
	RekeyedTo   string `json:"rekeyed_to,omitempty"`
	// Exchanges in the order their first message was seen (at most
	// Options.MaxExchanges; ExchangesOmitted counts the rest); nil with
	// Options.NoExchanges.
	Exchanges        []*Exchange `json:"exchanges"`
	ExchangesOmitted int         `json:"exchanges_omitted,omitempty"`
	ChildSAs         []*ChildSA  `json:"child_sas"`
	// UnreadQuickModes counts the IKEv1 quick modes of an SA without
	// child SAs that completed (QM2 seen, not refused) but could not be
	// read (no keys): each most likely set up an IPsec SA whose SPIs and
	// selectors are encrypted, and no ESP in the capture showed them.
	UnreadQuickModes int       `json:"unread_quick_modes,omitempty"`
	Findings         []Finding `json:"findings"`
	// Peers are the identities, certificates and certificate requests
	// of both peers, when certificates or signatures were involved.
	Peers []PeerAuth `json:"peers,omitempty"`

	// view is the storage of Exchanges and their messages, which Recycle
	// hands on (nil: none to hand on).
	view *viewBlock
}

// Name returns "spii/spir", the SA's identifier in findings and rekey links.
func (s *SA) Name() string { return s.SPIi.String() + "/" + s.SPIr.String() }

// State is the outcome of an IKE SA.
type State uint8

// SA states.
const (
	StateIncomplete  State = iota // capture holds too little to tell (started or ended mid-negotiation)
	StateEstablished              // authenticated and up at the end of the capture
	StateFailed                   // negotiation failed (error notify or requests never answered)
	StateHalfOpen                 // IKE_SA_INIT (or MM1–MM4) done, no authentication request in the capture after it
	StateDeleted                  // established, then deleted (Delete seen, or torn down after DPD failed)
	StateRekeyed                  // established, then replaced by a rekeyed IKE SA
)

var stateNames = [...]string{"incomplete", "established", "failed", "half_open", "deleted", "rekeyed"}

// String returns the state's name as used in JSON ("established", …).
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// MarshalText encodes the state as its name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Exchange is one IKE exchange: an IKEv2 request and its response, or an
// IKEv1 exchange (a main- or aggressive-mode phase 1, a quick mode, an
// informational or transaction exchange).
type Exchange struct {
	Type dissect.ExchangeType `json:"type"`
	MID  uint32               `json:"mid"`
	// From is who sent the request (IKEv2) or the first message (IKEv1):
	// "initiator" or "responder" of the IKE SA.
	From  string    `json:"from"`
	Start time.Time `json:"start,omitzero"`
	// Answered tells that the response (IKEv2) or the closing message
	// (IKEv1) was seen.
	Answered bool `json:"answered"`
	// RTT is the time from the last transmission of the request to the
	// first response (IKEv2) or across the exchange (IKEv1), in
	// milliseconds; zero when unanswered.
	RTT float64 `json:"rtt_ms"`
	// Retransmits counts request (or IKEv1 message) retransmissions.
	Retransmits int `json:"retransmits"`
	// Error is the first error notify of the exchange ("NO_PROPOSAL_CHOSEN"),
	// when visible.
	Error    string     `json:"error,omitempty"`
	Messages []*Message `json:"messages"`
	// MessagesOmitted counts the messages of the exchange beyond the
	// first MaxExchangeMessages, which are not kept (a bound against
	// captures that pile messages into one exchange); Retransmits still
	// counts them.
	MessagesOmitted int `json:"messages_omitted,omitempty"`
}

// Message is one IKE message of an exchange.
type Message struct {
	Frame int       `json:"frame"`
	Time  time.Time `json:"time,omitzero"`
	// From is "initiator" or "responder" (of the IKE SA).
	From     string `json:"from"`
	Response bool   `json:"response"` // IKEv2 R flag; IKEv1: a reply in the exchange
	Size     int    `json:"size"`     // IKE message length (header field)
	// Payloads lists the payloads in wire order, abbreviated, with
	// notify names and decrypted inner payloads in braces:
	// "SA KE Nonce N(NAT_DETECTION_SOURCE_IP)", "SK{IDi AUTH SA TSi TSr}",
	// "SK" when encrypted and not decrypted.
	Payloads string `json:"payloads"`
	// Fragment is "n/total" for IKEv2 fragments (RFC 7383).
	Fragment   string `json:"fragment,omitempty"`
	Retransmit bool   `json:"retransmit,omitempty"`
	// Label names the message in its exchange when useful ("MM3", "QM1",
	// "AM2").
	Label string `json:"label,omitempty"`
}

// ChildSA is one IPsec SA pair (ESP or AH) negotiated by an IKE SA.
type ChildSA struct {
	Protocol string `json:"protocol"` // "ESP" or "AH"
	// SPIi is the inbound SPI of the IKE SA's initiator (the SPI that
	// ESP packets from responder to initiator carry); SPIr the inbound
	// SPI of the IKE SA's responder (packets initiator → responder). In
	// IKEv2 each side announces its own inbound SPI in its SA payload.
	SPIi     ESPSPI `json:"spi_i"`
	SPIr     ESPSPI `json:"spi_r"`
	Proposal string `json:"proposal"`
	// TSi/TSr are the traffic selectors in force, as named in the
	// exchange that created the child SA (the responder's answer, possibly
	// narrowed; IKEv1: the quick-mode client IDs); TSiOffered/TSrOffered
	// the requester's offer when it was narrowed.
	TSi        []string   `json:"ts_i"`
	TSr        []string   `json:"ts_r"`
	TSiOffered []string   `json:"ts_i_offered,omitempty"`
	TSrOffered []string   `json:"ts_r_offered,omitempty"`
	State      ChildState `json:"state"`
	// RekeyOf is the SPI of the child SA this one replaced (REKEY_SA).
	RekeyOf      ESPSPI    `json:"rekey_of,omitempty"`
	Created      time.Time `json:"created,omitzero"`
	CreatedFrame int       `json:"created_frame"`
	DeletedFrame int       `json:"deleted_frame,omitempty"`
	ESPPackets   ESPCount  `json:"esp_packets"`
	// Inferred marks a child SA rebuilt from ESP traffic between the IKE
	// peers because its negotiation was encrypted.
	Inferred bool `json:"inferred,omitempty"`

	// tracking (not reported)
	initSide saSide // IKE SA side that initiated the child SA exchange
	owner    *saState
	// firstESP and lastESP are the first and last frames of its ESP, in
	// either direction: the frames of a one-way flow.
	firstESP int
	lastESP  int
}

// ChildState is what became of a child SA, as far as the capture shows.
type ChildState string

// Child SA states.
const (
	ChildEstablished ChildState = "established" // negotiated (and not yet replaced or deleted)
	ChildFailed      ChildState = "failed"      // refused, or its negotiation failed
	ChildRekeyed     ChildState = "rekeyed"     // replaced by a rekey
	ChildDeleted     ChildState = "deleted"     // deleted by a Delete payload, or (IKEv2) closed with its IKE SA's Delete
)

// ESPCount counts ESP packets of a child SA in each direction (relative to
// the IKE SA: initiator → responder and back).
type ESPCount struct {
	IToR uint64 `json:"i_to_r"`
	RToI uint64 `json:"r_to_i"`
}

// ESPSPI is a 4-octet ESP/AH SPI. It marshals as 8 hex digits.
type ESPSPI uint32

// String returns the SPI as 8 lower-case hex digits.
func (s ESPSPI) String() string {
	const hexdigits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = hexdigits[s&0xf]
		s >>= 4
	}
	return string(b[:])
}

// MarshalText encodes the SPI as 8 hex digits.
func (s ESPSPI) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
