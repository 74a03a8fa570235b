package flows

import (
	"net/netip"
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
)

// redirect reports an IKEv2 REDIRECT notify (RFC 5685): in the IKE_SA_INIT
// response (§4), the IKE_AUTH response (§5) or an INFORMATIONAL request of
// an established SA (§6). It returns whether the message carried one.
func (a *Analyzer) redirect(st *saState, p *Packet, side saSide, ex *exRec, f *facts) bool {
	n, ok := f.notify(uint16(dissect.NotifyRedirect))
	if !ok {
		return false
	}
	gw := redirectGateway(n.data)
	var when, then string
	switch ex.Type {
	case dissect.ExchangeIKESAInit:
		when = "in its IKE_SA_INIT response, before any IKE SA existed"
		then = "The initiator should start again with IKE_SA_INIT to " + gw + "."
	case dissect.ExchangeIKEAuth:
		when = "in its IKE_AUTH response, after authenticating the initiator"
		then = "The initiator should delete this IKE SA and start again with " + gw + "."
	default:
		when = "on the established IKE SA (an INFORMATIONAL request)"
		then = "The initiator should move its IKE SA and child SAs to " + gw + " and delete this one."
	}
	st.addFinding(KindRedirect, SeverityInfo, p.Time,
		"The "+side.String()+" redirected the initiator to gateway "+gw+" (REDIRECT, RFC 5685) "+when+
			": load balancing or a gateway going out of service. "+then+" If the capture shows nothing to "+gw+
			" afterwards, the initiator may not support redirects (it announces REDIRECT_SUPPORTED in IKE_SA_INIT),"+
			" may not reach "+gw+", or that traffic is outside this capture.", ex.frame(0), p.Frame)
	return true
}

// redirectedFrom reports an IKE_SA_INIT request with REDIRECTED_FROM (RFC
// 5685 §4, §6): a gateway sent the initiator here. It is in the clear, so
// without keys too this SA shows where it came from (ikev2-redirect,
// libreswan-ikev2-redirect: the REDIRECT itself was encrypted).
func (a *Analyzer) redirectedFrom(st *saState, p *Packet, f *facts) {
	n, ok := f.notify(uint16(dissect.NotifyRedirectedFrom))
	if !ok {
		return
	}
	st.addFinding(KindRedirect, SeverityInfo, p.Time,
		"The initiator started this IKE SA after gateway "+redirectGateway(n.data)+" redirected it here (REDIRECTED_FROM"+
			" in its IKE_SA_INIT request, RFC 5685): load balancing or a gateway going out of service.", p.Frame)
}

// redirectGateway renders the New Responder GW Identity of a REDIRECT
// notify's data (RFC 5685 §8: type, length, identity, optional nonce).
func redirectGateway(d []byte) string {
	if len(d) < 2 || int(d[1]) > len(d)-2 {
		return "(gateway identity malformed)"
	}
	id := d[2 : 2+int(d[1])]
	switch dissect.GatewayIDType(d[0]) {
	case dissect.GatewayIPv4, dissect.GatewayIPv6:
		if addr, ok := netip.AddrFromSlice(id); ok && (len(id) == 4 || len(id) == 16) {
			return addr.Unmap().String()
		}
	case dissect.GatewayFQDN:
		return strconv.Quote(string(id))
	}
	return dissect.GatewayIDType(d[0]).String() + " identity of " + strconv.Itoa(len(id)) + " octets"
}
