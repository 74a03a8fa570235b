package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// noIKEHint is the note for a capture in which no IKE message was found:
// what was read and on which ports IKE was looked for.
func noIKEHint(cmd, path string, st capture.Stats, opt capture.Options) string {
	return fmt.Sprintf("ikeflow %s: %s: no IKE message in %d packet%s (%d ESP). IKE is looked for on UDP %s, UDP %s with RFC 3948 encapsulation and TCP %s; use --ike-ports, --natt-ports or --tcp-ports if the peers use other ports.\n",
		cmd, path, st.Packets, plural(st.Packets), st.ESP, ports(opt.IKEPorts), ports(opt.NATTPorts), ports(opt.TCPPorts))
}

// explainEmpty writes, on w, why a report holds no IKE SA: a capture
// without IKE on the ports looked at, or a --peer/--spi filter that matched
// nothing. reported is the number of SAs that passed the filters, seen the
// number the analyzer tracked before --spi.
func explainEmpty(w io.Writer, cmd string, m *merger, rep *flows.Report, reported, seen int, fopt flows.Options, opt capture.Options) {
	for i, r := range m.readers {
		if st := r.Stats(); st.IKE == 0 {
			fmt.Fprint(w, noIKEHint(cmd, m.paths[i], st, opt))
		}
	}
	if reported > 0 {
		return
	}
	if len(fopt.Peers) > 0 && rep.Stats.IKEPackets == 0 && rep.Stats.ESPPackets == 0 && rep.Stats.FilteredOut > 0 {
		var ps []string
		for _, p := range fopt.Peers {
			ps = append(ps, "--peer "+p.String())
		}
		fmt.Fprintf(w, "ikeflow %s: %s matched no packet; %d packets filtered out.\n", cmd, strings.Join(ps, " "), rep.Stats.FilteredOut)
		return
	}
	if len(fopt.SPIs) > 0 && seen > 0 {
		var ss []string
		for _, s := range fopt.SPIs {
			ss = append(ss, "--spi "+s)
		}
		fmt.Fprintf(w, "ikeflow %s: %s matched no IKE SA and no child SA; %d IKE SA%s filtered out.\n", cmd, strings.Join(ss, " "), seen, plural(seen))
	}
}
