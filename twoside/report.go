package twoside

import (
	"net/netip"
	"strings"
	"time"
)

// Report is the result of [Compare].
type Report struct {
	// A and B are the capture names.
	A string `json:"a"`
	B string `json:"b"`
	// Related is false when the captures do not look like two views of the
	// same traffic; Reason says why. The rest of the report is then empty.
	Related bool   `json:"related"`
	Reason  string `json:"reason,omitempty"`
	// Unambiguous is set when most packets of the smaller capture are also
	// in the other one and they line up as packets seen at two points
	// (Matched): safe to treat as two-sided without being asked. When
	// they share packets that do not line up, Reason says so.
	Unambiguous bool `json:"unambiguous"`
	// PacketsA and PacketsB count the IKE/ESP packets kept per side;
	// Matched counts the packets found on both sides.
	PacketsA int `json:"packets_a"`
	PacketsB int `json:"packets_b"`
	Matched  int `json:"matched"`
	// DuplicatesA and DuplicatesB count capture duplicates (same bytes,
	// same addresses, less than a millisecond apart) that were dropped.
	DuplicatesA int `json:"duplicates_a"`
	DuplicatesB int `json:"duplicates_b"`
	// SkippedA and SkippedB count IKE/ESP events not kept (cut within the
	// octets compared, too short, over a memory bound).
	SkippedA int `json:"skipped_a"`
	SkippedB int `json:"skipped_b"`
	// CutA and CutB count the packets each capture cut short (its snap
	// length) that were kept: when there are any, every packet is
	// compared by its first octets only (prefixIKE, prefixESP).
	CutA int `json:"cut_a,omitempty"`
	CutB int `json:"cut_b,omitempty"`
	// CutShortA and CutShortB count the packets each capture cut shorter
	// than that (not compared, in SkippedA/B): a packet reported lost on
	// the way to that capture, or only in the other, may be one of them.
	CutShortA int `json:"cut_short_a,omitempty"`
	CutShortB int `json:"cut_short_b,omitempty"`
	// DroppedA and DroppedB are the packets each capture records it
	// dropped while it was taken (Side.Dropped): a packet reported lost
	// on the way to that capture, or only in the other, may be one of
	// them.
	DroppedA int64 `json:"dropped_a,omitempty"`
	DroppedB int64 `json:"dropped_b,omitempty"`
	// UnrelatedA and UnrelatedB count packets between addresses that have no
	// packet in common with the other capture (other conversations): not
	// judged.
	UnrelatedA int `json:"unrelated_a"`
	UnrelatedB int `json:"unrelated_b"`
	// FragmentsA and FragmentsB count IP datagrams each capture could not
	// reassemble (fragments missing); FragmentFramesA/B name some frames.
	FragmentsA      int   `json:"incomplete_datagrams_a"`
	FragmentsB      int   `json:"incomplete_datagrams_b"`
	FragmentFramesA []int `json:"incomplete_datagram_frames_a,omitempty"`
	FragmentFramesB []int `json:"incomplete_datagram_frames_b,omitempty"`
	// SamePoint: every matched packet has the same time in both captures
	// (after the clock offset), as when they were taken at one point or
	// one is a copy of the other. Which capture is nearer a sender cannot
	// be told then, and each Flow's Upstream is only the order the
	// comparison used (text, CSV and HTML show "?").
	SamePoint bool `json:"same_point,omitempty"`
	// Clock is the estimated offset of B's clock against A's.
	Clock Clock `json:"clock"`
	// Flows are the per-SA, per-direction results.
	Flows []Flow `json:"flows"`
	// Mappings are the address/port translations between the capture points.
	Mappings []Mapping `json:"mappings"`
	// Findings are plain-language sentences for the ticket.
	Findings []string `json:"findings"`
}

// Flow is one SA (IKE SA by initiator SPI, or ESP SPI) in one direction.
type Flow struct {
	// SA names the SA: "IKE SA 0123456789abcdef" or "ESP SPI 0xc0ffee01".
	SA string `json:"sa"`
	// Kind is IKE or ESP.
	Kind string `json:"kind"`
	// From and To are the sender and receiver addresses as the upstream
	// capture saw them.
	From netip.AddrPort `json:"from"`
	To   netip.AddrPort `json:"to"`
	// Upstream is "a" when capture A is nearer the sender, "b" otherwise
	// (arbitrary when Report.SamePoint).
	Upstream string `json:"upstream"`
	// Sent counts the packets seen upstream while the downstream capture
	// was running; Arrived counts those also seen downstream.
	Sent    int `json:"sent"`
	Arrived int `json:"arrived"`
	// Lost are the packets seen upstream but never downstream.
	Lost []Ref `json:"lost,omitempty"`
	// OnlyDownstream are packets seen downstream but never upstream
	// (injected, or arriving by another path).
	OnlyDownstream []Ref `json:"only_downstream,omitempty"`
	// Outside counts packets not judged because the other capture had not
	// started or had already stopped.
	Outside int `json:"outside"`
	// DelayMin, DelayMedian and DelayMax are one-way delays between the
	// capture points, after the clock offset is removed.
	DelayMin    time.Duration `json:"delay_min_ns"`
	DelayMedian time.Duration `json:"delay_median_ns"`
	DelayMax    time.Duration `json:"delay_max_ns"`
	// Early counts packets seen downstream before they were sent upstream
	// (after the offset is removed), by up to EarlyMax: a clock step or
	// drift the offset does not cover. They are left out of the delays.
	Early    int           `json:"early,omitempty"`
	EarlyMax time.Duration `json:"early_max_ns,omitempty"`
	// Reordered counts packets that arrived downstream before one sent
	// earlier.
	Reordered int `json:"reordered"`

	delays []time.Duration
	arrive []arrival
	pairs  []pairIdx
	upS    *Side // the sides pairs index into
	downS  *Side
	first  time.Time
}

type arrival struct{ up, down time.Time }

// Ref names one packet in the capture where it was seen.
type Ref struct {
	// Frame is the frame number in the capture named by Side ("a" or "b").
	Frame int    `json:"frame"`
	Side  string `json:"side"`
	// Time is the capture time, in that capture's clock.
	Time time.Time `json:"time"`
	// Src and Dst are the addresses as that capture saw them.
	Src netip.AddrPort `json:"src"`
	Dst netip.AddrPort `json:"dst"`
	// Version is the IKE major version (0 for ESP); Exchange, MID,
	// Response (IKEv2 R flag) and Fragment describe IKE messages.
	Version  uint8  `json:"version,omitempty"`
	Exchange string `json:"exchange,omitempty"`
	MID      uint32 `json:"mid"`
	Response bool   `json:"response"`
	Fragment uint16 `json:"fragment,omitempty"`
	// ESPSeq is the sequence number of an ESP packet.
	ESPSeq uint32 `json:"esp_seq,omitempty"`
	// Size is the IKE message or ESP packet length in octets.
	Size int `json:"size"`
	// Reassembled is set when the capture rebuilt it from IP fragments.
	Reassembled bool `json:"reassembled,omitempty"`
	// LaterCopy is the frame (same capture) of a later byte-identical copy
	// that did arrive, 0 when none did.
	LaterCopy int `json:"later_copy,omitempty"`
}

// Mapping is one address translation between the capture points: packets
// that A saw as ASrc→ADst, B saw as BSrc→BDst.
type Mapping struct {
	ASrc netip.AddrPort `json:"a_src"`
	ADst netip.AddrPort `json:"a_dst"`
	BSrc netip.AddrPort `json:"b_src"`
	BDst netip.AddrPort `json:"b_dst"`
	// Packets counts the matched packets with this translation.
	Packets int `json:"packets"`
	// FirstFrameA and LastFrameA delimit it in capture A.
	FirstFrameA int `json:"first_frame_a"`
	LastFrameA  int `json:"last_frame_a"`
	// Rewritten is set when any address or port differs.
	Rewritten bool `json:"rewritten"`
}

// Pair is one packet seen at both capture points.
type Pair struct {
	// Up and Down are the packet as the upstream and the downstream
	// capture saw it (their frames, times and addresses).
	Up, Down Ref
	// Delay is the one-way delay from the upstream to the downstream point,
	// after the clock offset is removed; Early is set when the downstream
	// copy was seen before the upstream one (Delay is then negative).
	Delay time.Duration
	Early bool
}

// pairIdx is a [Pair] as the comparison keeps it: indexes into the sides'
// packets (24 octets a packet instead of two [Ref] values).
type pairIdx struct {
	up, down int32
	early    bool
	delay    time.Duration
}

// Pairs returns the packets of the flow seen at both points, in upstream
// time order (a new slice on each call); empty unless [Options.Pairs] was
// set.
func (f *Flow) Pairs() []Pair {
	if len(f.pairs) == 0 {
		return nil
	}
	upName, downName := "a", "b"
	if f.Upstream == "b" {
		upName, downName = "b", "a"
	}
	out := make([]Pair, len(f.pairs))
	for i, p := range f.pairs {
		out[i] = Pair{Up: ref(&f.upS.Packets[p.up], upName), Down: ref(&f.downS.Packets[p.down], downName), Delay: p.delay, Early: p.early}
	}
	return out
}

// InA returns the time of ref in capture A's clock (the clock offset and
// drift removed when ref was seen in B).
func (r *Report) InA(ref Ref) time.Time {
	if ref.Side == "b" {
		return r.Clock.toA(ref.Time)
	}
	return ref.Time
}

// UpstreamName is f's Upstream as the text and CSV reports show it: "A"
// or "B", or "?" when r.SamePoint (which side is upstream is not known).
func (r *Report) UpstreamName(f *Flow) string {
	if r.SamePoint {
		return "?"
	}
	return strings.ToUpper(f.Upstream)
}
