package flows

import (
	"net/netip"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// Defaults used when the corresponding [Options] field is zero.
const (
	// DefaultMaxExchanges is the number of exchanges kept per IKE SA in
	// the report; later exchanges are still analysed but only counted.
	DefaultMaxExchanges = 64
	// DefaultGrace is how long after a request the capture must go on
	// before a missing answer counts as unanswered rather than cut off.
	DefaultGrace = 2 * time.Second
)

// MaxExchangeMessages is the number of messages kept per exchange;
// Exchange.MessagesOmitted counts the rest. Real exchanges hold a few
// messages, a few hundred when a peer retransmits for a long time; the
// bound keeps bounded the work of pairing and grouping retransmits, which
// compares the messages of an exchange with each other, on captures that
// pile thousands of messages into one exchange.
const MaxExchangeMessages = 1024

// Options configure an [Analyzer]. The zero value analyses everything, keeps
// every SA until [Analyzer.Finish] and decrypts nothing.
type Options struct {
	// IdleTimeout finalises an IKE SA once no IKE message or ESP packet
	// of it has been seen for this long, in capture time. Finalised SAs
	// are handed to OnSA and their tracking state is released, so long
	// captures stream in bounded memory. Zero keeps every SA open until
	// Finish.
	IdleTimeout time.Duration
	// OnSA, when set, receives every finalised SA (idle or at Finish)
	// in finalisation order, and the analyzer does not keep it: the
	// Report returned by Finish then holds only capture-wide findings.
	// When nil, finalised SAs are collected into the Report.
	OnSA func(*SA)
	// Peers keeps only traffic to or from one of these addresses. Empty
	// keeps all.
	Peers []netip.Addr
	// SPIs keeps only SAs with one of these SPIs: an IKE SPI (16 hex
	// digits, either side) or a child SA SPI (8 hex digits, either
	// direction). An optional "0x" prefix is ignored. Empty keeps all.
	SPIs []string
	// Decryptor, when set, is asked for the plaintext of encrypted
	// messages so that inner payloads (IDs, AUTH, child SA proposals,
	// traffic selectors, notifies, deletes) can be analysed. Without it,
	// encrypted exchanges are analysed from sizes, order and timing.
	Decryptor Decryptor
	// MaxExchanges bounds the exchanges kept per SA in the report
	// (DefaultMaxExchanges when zero).
	MaxExchanges int
	// NoExchanges leaves SA.Exchanges nil in the SAs handed to OnSA and
	// returned by Finish, for reports that do not show exchanges (a
	// summary table, one row per finding): building them costs four
	// allocations per SA and keeping them memory until the report is
	// written. Everything else about the SA is as without it: its state,
	// findings (worked out from the analyzer's own records of the
	// exchanges), child SAs, and ExchangesOmitted, which still counts only
	// the exchanges beyond MaxExchanges (so len(Exchanges)+ExchangesOmitted
	// is no longer the number of exchanges). Lookup still builds the
	// exchanges of an open SA.
	NoExchanges bool
	// FinishAlone makes Finish finalise the SAs still open on the calling
	// goroutine alone. By default, with hundreds of SAs open, a second
	// goroutine concludes some of them meanwhile; the report and the
	// order of the SAs handed to OnSA are the same either way. Set it when
	// OnSA hands the SAs to a goroutine of its own that is slower than
	// finalising them (a report encoder): both cores are busy then, and a
	// third goroutine only adds CPU time.
	FinishAlone bool
	// Grace is the minimum time the capture must continue after a request
	// for a missing response to count as a failure (DefaultGrace when
	// zero).
	Grace time.Duration
	// ReorderWindow is how far, in capture time, frames may be out of
	// time order in the input and still be analysed in time order
	// (DefaultReorderWindow when zero; negative analyses every packet at
	// once, in file order, as a live display wants). Packets are held
	// that long before they are analysed.
	ReorderWindow time.Duration
	// FrameName names a frame number where a finding's message names a
	// frame ("(frame 12)", "request frame 3, response frame 4"): "12", or
	// "b.pcap#12" when the frames of several capture files are numbered
	// in one merged order. It is called when the finding's text is built,
	// on the goroutine adding packets or, within Finish, on the goroutines
	// finalising SAs (concurrently: it must not change state), and only
	// with frames already added. Only frame numbers go through it; counts,
	// sizes, message IDs and other numbers of the text stay plain. Nil
	// writes the plain decimal number. The Frames fields of findings and
	// every other frame field stay numbers in the analyzer's numbering.
	FrameName func(frame int) string
	// FrameList names a list of frames in a finding's message ("5, 6, 9",
	// "a.pcap#5, 6; b.pcap#9"), whatever the text would join them with
	// otherwise (", " or " and "); it is called as FrameName is. Nil
	// names each frame with FrameName, joined as the text joins them.
	FrameList func(frames []int) string
}

// Decryptor gives the analyzer the plaintext of encrypted IKE messages. The
// CLI uses [NewDecryptor] on top of package decrypt; tests may use their own.
// Methods are called in capture order. An error (no key for that SA,
// integrity failure) makes the analyzer fall back to what is visible without
// decryption. Returned plaintext may alias an internal buffer: it is used
// before the next call.
type Decryptor interface {
	// Observe is called for every IKE message (IKEv1 and IKEv2, clear or
	// encrypted) before any decryption, so the decryptor can learn what
	// the capture negotiates (the IKEv2 suite chosen in IKE_SA_INIT).
	Observe(msg *dissect.Message, raw []byte, fromInitiator bool)
	// DecryptV2 returns the plaintext inner payload chain of the SK or
	// SKF payload sk of the IKEv2 message msg (padding removed; for SKF,
	// this fragment's share). raw is the message from its header.
	// fromInitiator tells whose keys (SK_ei or SK_er) protect it.
	DecryptV2(msg *dissect.Message, raw []byte, sk dissect.Payload, fromInitiator bool) ([]byte, error)
	// DecryptV1 is called for every IKEv1 message of an SA in capture
	// order, clear ones included (IKEv1 CBC IVs chain across messages).
	// For an encrypted message it returns the plaintext payload chain
	// (first payload msg.Header.NextPayload); for a clear one, nil.
	DecryptV1(msg *dissect.Message, raw []byte, fromInitiator bool) ([]byte, error)
}

// Forgetter is implemented by a [Decryptor] that keeps per-SA state; the
// analyzer calls Forget when it finalises an SA, so state stays bounded.
type Forgetter interface {
	Forget(version uint8, spii, spir dissect.SPI)
}
