package flows

import (
	"strings"

	"github.com/ikeflow/ikeflow/dissect"
)

// facts is what the analyzer takes from one IKE message: the payload summary
// and the payloads it reasons about. Payload bodies alias the packet (or the
// decrypted plaintext) and are valid only while the message is processed.
type facts struct {
	names     *notifyNames // cache of notify names (kept across messages; made on first use)
	summary   []byte       // payload summary being built
	notifies  []notifyFact
	sas       []dissect.Payload // SA payloads (IKEv2 SA or IKEv1 SA)
	ke        []dissect.Payload
	tsi, tsr  []dissect.Payload
	deletes   []dissect.Payload
	ids       []dissect.Payload
	others    int  // payloads other than notifies (liveness test)
	sk        bool // an SK/SKF payload (IKEv2) or encrypted body (IKEv1) was present
	decrypted bool // and it was decrypted
	fragNum   uint16
	fragTotal uint16
	fragDone  bool              // the last missing fragment arrived and was reassembled
	natd      []dissect.Payload // IKEv1 NAT-D payloads
	attrs     []dissect.Payload // IKEv1 Attributes payloads (Mode Config, XAUTH)
	malformed bool
	auth      bool  // an AUTH payload (IKEv2)
	eap       uint8 // the code of the first EAP payload (RFC 3748 §4: 1 Request, 2 Response, 3 Success, 4 Failure), 0: none
	eapType   uint8 // its method type (Request and Response), 0: none
}

// notifyFact is one Notify payload, IKEv1 or IKEv2.
type notifyFact struct {
	typ   uint16
	proto uint8
	spi   []byte
	data  []byte
}

// reset empties f, keeping capacity.
func (f *facts) reset() {
	f.summary = f.summary[:0]
	f.notifies = f.notifies[:0]
	f.sas = f.sas[:0]
	f.ke = f.ke[:0]
	f.tsi = f.tsi[:0]
	f.tsr = f.tsr[:0]
	f.deletes = f.deletes[:0]
	f.ids = f.ids[:0]
	f.natd = f.natd[:0]
	f.attrs = f.attrs[:0]
	f.others = 0
	f.sk, f.decrypted, f.malformed = false, false, false
	f.auth, f.eap, f.eapType = false, 0, 0
	f.fragNum, f.fragTotal, f.fragDone = 0, 0, false
}

// hasNotify reports whether a notify of type t was seen.
func (f *facts) hasNotify(t uint16) bool {
	for i := range f.notifies {
		if f.notifies[i].typ == t {
			return true
		}
	}
	return false
}

// notify returns the first notify of type t.
func (f *facts) notify(t uint16) (notifyFact, bool) {
	for _, n := range f.notifies {
		if n.typ == t {
			return n, true
		}
	}
	return notifyFact{}, false
}

// firstError returns the first error notify (IKEv2 1–16383, IKEv1 1–8191).
func (f *facts) firstError(version uint8) (uint16, bool) {
	for _, n := range f.notifies {
		if version == 2 && dissect.NotifyType(n.typ).IsError() {
			return n.typ, true
		}
		if version == 1 && dissect.NotifyTypeV1(n.typ).IsError() {
			return n.typ, true
		}
	}
	return 0, false
}

// collect walks payloads of an IKE message (or decrypted contents) of the
// given version, appending to the summary and sorting payloads by use.
func (f *facts) collect(version uint8, payloads []dissect.Payload) {
	for i, p := range payloads {
		if i > 0 {
			f.summary = append(f.summary, ' ')
		}
		f.summary = append(f.summary, shortNames[p.Type]...)
		switch p.Type {
		case dissect.PayloadNotify, dissect.PayloadNotifyV1:
			n, ok := parseNotify(version, p)
			if ok {
				f.notifies = append(f.notifies, n)
				f.summary = append(f.summary, '(')
				f.summary = append(f.summary, f.notifyName(version, n.typ)...)
				f.summary = append(f.summary, ')')
			}
			continue
		case dissect.PayloadSA, dissect.PayloadSAV1:
			f.sas = append(f.sas, p)
		case dissect.PayloadKE, dissect.PayloadKEV1:
			f.ke = append(f.ke, p)
		case dissect.PayloadTSi:
			f.tsi = append(f.tsi, p)
		case dissect.PayloadTSr:
			f.tsr = append(f.tsr, p)
		case dissect.PayloadDelete, dissect.PayloadDeleteV1:
			f.deletes = append(f.deletes, p)
			f.summary = append(f.summary, '(')
			f.summary = appendDeleteSummary(f.summary, version, p)
			f.summary = append(f.summary, ')')
		case dissect.PayloadIDi, dissect.PayloadIDr, dissect.PayloadIDV1:
			f.ids = append(f.ids, p)
		case dissect.PayloadNATDV1, dissect.PayloadNATDDraftV1:
			f.natd = append(f.natd, p)
		case dissect.PayloadAttrV1:
			if version == 1 { // 14 is IKEv2's Integrity Checksum number, never sent
				f.attrs = append(f.attrs, p)
			}
		case dissect.PayloadAuth:
			f.auth = version == 2
		case dissect.PayloadEAP:
			if f.eap == 0 && len(p.Body) >= 1 {
				f.eap = p.Body[0]
				if len(p.Body) >= 5 && (f.eap == eapRequest || f.eap == eapResponse) {
					f.eapType = p.Body[4]
				}
			}
		case dissect.PayloadSK:
			f.sk = true
		case dissect.PayloadSKF:
			f.sk = true
			if num, total, ok := dissect.FragmentNumbers(p.Body); ok {
				f.fragNum, f.fragTotal = num, total
			}
		case dissect.PayloadHashV1, dissect.PayloadVendorIDV1, dissect.PayloadVendorID:
			continue // not content: liveness checks carry HASH only (IKEv1)
		}
		f.others++
	}
}

// notifyName returns the registry name of an IKEv1 or IKEv2 notify type.
func notifyName(version uint8, t uint16) string {
	if version == 1 {
		return notifyV1Name(t)
	}
	return dissect.NotifyType(t).String()
}

// notifyNames is a small cache of notify names (facts.notifyName).
type notifyNames [64]notifyCached

// notifyCached is an entry of notifyNames.
type notifyCached struct {
	key  uint32 // version<<16 | type, plus 1<<24 when filled
	name string
}

// notifyName returns notifyName(version, t) through a small cache.
func (f *facts) notifyName(version uint8, t uint16) string {
	key := 1<<24 | uint32(version)<<16 | uint32(t)
	if f.names == nil {
		f.names = new(notifyNames)
	}
	c := &f.names[(uint32(t)^uint32(version)<<4)%uint32(len(f.names))]
	if c.key != key {
		*c = notifyCached{key, notifyName(version, t)}
	}
	return c.name
}

// shortNames holds PayloadType.Short of every payload type.
var shortNames = func() (n [256]string) {
	for i := range n {
		n[i] = dissect.PayloadType(i).Short()
	}
	return n
}()

// kindOfNotify turns a notify name into a finding kind:
// "NO_PROPOSAL_CHOSEN" and "NO-PROPOSAL-CHOSEN" become "no_proposal_chosen".
func kindOfNotify(name string) FindingKind {
	return NotifyFindingKind(name)
}

// NotifyFindingKind is the kind of a finding about an error notify without
// a dedicated kind: its name in lower case with "_" for "-"
// ("INVALID-SYNTAX" gives "invalid_syntax").
func NotifyFindingKind(name string) FindingKind {
	return FindingKind(strings.ToLower(strings.ReplaceAll(name, "-", "_")))
}

// content reports whether the message's content is analysable now: not a
// decrypted fragment still waiting for the others.
func (f *facts) content() bool {
	return f.fragTotal == 0 || !f.decrypted || f.fragDone
}
