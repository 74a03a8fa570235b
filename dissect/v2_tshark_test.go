package dissect

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestV2AgainstTshark compares the decoded fields of every real IKEv2
// message (including the payloads inside SK, decrypted by tshark) with
// tshark's own dissection of the same frames, saved by
// testdata/v2_extract.py in testdata/v2_tshark_*.tsv. Every listed field
// must agree, value by value and in order.
func TestV2AgainstTshark(t *testing.T) {
	files, _ := filepath.Glob("testdata/v2_tshark_*.tsv")
	if len(files) == 0 {
		t.Fatal("no tshark fixtures")
	}
	samples := map[string]v2Sample{}
	for _, s := range v2Samples(t) {
		samples[s.name] = s
	}
	agree := map[string]int{}
	var frames, values int
	for _, f := range files {
		capName := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "v2_tshark_"), ".tsv")
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
		header := strings.Split(lines[0], "\t")
		for _, line := range lines[1:] {
			cols := strings.Split(line, "\t")
			frame := cols[0]
			s, ok := samples["v2_"+capName+"_f"+frame]
			if !ok {
				t.Errorf("%s frame %s: no hex fixture", capName, frame)
				continue
			}
			frames++
			got := v2TsharkView(t, s)
			for i, field := range header {
				if i == 0 || i >= len(cols) {
					continue
				}
				if field == "isakmp.vid_string" && cols[i] != "" {
					// Names are worded differently; both must recognise the same IDs.
					tv, ov := strings.Split(cols[i], "|"), strings.Split(got[field], "|")
					for k := range tv {
						known := tv[k] != "Unknown Vendor ID"
						if k >= len(ov) || known != (ov[k] != "") {
							t.Errorf("%s frame %s vendor %d: tshark %q, ours %q", capName, frame, k, tv[k], got[field])
						} else if known {
							values++
							t.Logf("vendor: tshark %q = ours %q", tv[k], ov[k])
						}
					}
					continue
				}
				if got[field] != cols[i] {
					t.Errorf("%s frame %s %s:\n tshark %q\n ours   %q", capName, frame, field, cols[i], got[field])
					continue
				}
				if cols[i] != "" {
					agree[field]++
					values += len(strings.Split(cols[i], "|"))
				}
			}
		}
	}
	var total int
	for f, n := range agree {
		t.Logf("%-46s %d frames agree", f, n)
		total += n
	}
	t.Logf("%d frames: %d (frame, field) pairs and %d individual values agree with tshark", frames, total, values)
}

// v2TsharkView renders our decode of s in tshark's -T fields form
// (occurrences joined by "|").
func v2TsharkView(tb testing.TB, s v2Sample) map[string]string {
	tb.Helper()
	var m Message
	if err := m.DecodeFromBytes(s.msg); err != nil {
		tb.Fatalf("%s: %v", s.name, err)
	}
	v := map[string][]string{}
	add := func(k string, val any) {
		var str string
		switch x := val.(type) {
		case int:
			str = strconv.Itoa(x)
		case string:
			str = x
		case []byte:
			str = hex.EncodeToString(x)
		}
		v[k] = append(v[k], str)
	}
	add("isakmp.exchangetype", int(m.Header.Exchange))
	var visit func(ps []Payload)
	visit = func(ps []Payload) {
		for _, p := range ps {
			add("isakmp.typepayload", int(p.Type))
			body, err := DecodePayload(2, p)
			if err != nil {
				tb.Fatalf("%s: %s: %v", s.name, p.Type.Short(), err)
			}
			switch b := body.(type) {
			case *SA:
				for _, pr := range b.Proposals {
					add("isakmp.typepayload", 2)
					add("isakmp.prop.number", int(pr.Num))
					add("isakmp.prop.protoid", int(pr.Protocol))
					add("isakmp.prop.transforms", int(pr.NumTransforms))
					for _, tr := range pr.Transforms {
						add("isakmp.typepayload", 3)
						add("isakmp.tf.type", int(tr.Type))
						switch tr.Type {
						case TransformENCR:
							add("isakmp.tf.id.encr", int(tr.ID))
						case TransformPRF:
							add("isakmp.tf.id.prf", int(tr.ID))
						case TransformINTEG:
							add("isakmp.tf.id.integ", int(tr.ID))
						case TransformKE:
							add("isakmp.tf.id.dh", int(tr.ID))
						case TransformESN:
							add("isakmp.tf.id.esn", int(tr.ID))
						}
						if tr.KeyLength != 0 {
							add("isakmp.ike2.attr.key_length", int(tr.KeyLength))
						}
					}
				}
			case *KE:
				add("isakmp.key_exchange.dh_group", int(b.Group))
			case *Notify:
				add("isakmp.notify.protoid", int(b.Protocol))
				add("isakmp.notify.msgtype", int(b.Type))
				for _, h := range b.HashAlgs {
					add("isakmp.notify.data.signature_hash_algorithms", int(h))
				}
			case *VendorID:
				add("isakmp.vid_bytes", []byte(b.Data))
				add("isakmp.vid_string", b.Vendor)
			case *Identification:
				add("isakmp.id.type", int(b.Type))
			case *Auth:
				add("isakmp.auth.method", int(b.Method))
			case *Cert:
				add("isakmp.cert.encoding", int(b.Encoding))
			case *CertReq:
				add("isakmp.certreq.type", int(b.Encoding))
			case *TrafficSelectors:
				add("isakmp.ts.number", int(b.NumTS))
				for _, ts := range b.Selectors {
					add("isakmp.ts.type", int(ts.Type))
					add("isakmp.ts.protoid", int(ts.IPProtocol))
					add("isakmp.ts.start_port", int(ts.StartPort))
					add("isakmp.ts.end_port", int(ts.EndPort))
					if ts.Start.Is4() {
						add("isakmp.ts.start_ipv4", ts.Start.String())
						add("isakmp.ts.end_ipv4", ts.End.String())
					}
				}
			case *Config:
				add("isakmp.cfg.type", int(b.Type))
				for _, a := range b.Attributes {
					add("isakmp.cfg.attr.type", int(a.Type))
				}
			case *Delete:
				add("isakmp.delete.protoid", int(b.Protocol))
				add("isakmp.spinum", int(b.NumSPIs))
				for _, spi := range b.SPIs {
					add("isakmp.delete.spi", []byte(spi))
				}
			case *EncryptedFragment:
				add("isakmp.frag.number", int(b.Number))
				add("isakmp.frag.total", int(b.Total))
			case *Nonce:
				add("isakmp.nonce", []byte(b.Data))
			}
			if p.Type == PayloadSK && s.plain != nil {
				visit(v2InnerPayloads(tb, s, p.Next))
			}
		}
	}
	visit(m.Payloads)
	out := map[string]string{}
	for k, vals := range v {
		out[k] = strings.Join(vals, "|")
	}
	return out
}
