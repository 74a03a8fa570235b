package main

import (
	"fmt"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
	"github.com/spf13/pflag"
)

// flowFlags are the analysis flags analyze and live share: filters,
// --fail-on and the idle timeout.
type flowFlags struct {
	peers    []string
	spis     []string
	failOn   string
	idle     time.Duration
	memLimit string
}

func (f *flowFlags) register(fs *pflag.FlagSet, idleUsage string) {
	fs.StringArrayVar(&f.peers, "peer", nil, "keep only traffic to or from this `address` (repeatable)")
	fs.StringArrayVar(&f.spis, "spi", nil, "keep only SAs with this `SPI`: an IKE SPI (16 hex digits) or a child SA SPI (8 hex digits) (repeatable)")
	fs.StringVar(&f.failOn, "fail-on", "", "exit with status 3 when a finding of this `severity` or worse exists: error or warning")
	fs.DurationVar(&f.idle, "idle-timeout", 10*time.Minute, idleUsage)
	fs.StringVar(&f.memLimit, "memory-limit", "", "soft memory `limit` such as 300MB or 2GiB: the garbage collector works harder (slower) to stay under it; for huge captures on small machines")
}

// options checks the flags and returns the analyzer options (with a
// decryptor when key files are given) and the --fail-on level (0 if unset).
func (f *flowFlags) options(e *env, keys []string) (flows.Options, flows.Severity, error) {
	var level flows.Severity
	if f.failOn != "" {
		s, ok := flows.ParseSeverity(f.failOn)
		if !ok || s == flows.SeverityInfo {
			return flows.Options{}, 0, usagef("--fail-on must be error or warning, not %q", f.failOn)
		}
		level = s
	}
	if f.idle < 0 {
		return flows.Options{}, 0, usagef("--idle-timeout cannot be negative")
	}
	if f.memLimit != "" {
		n, err := parseSize(f.memLimit)
		if err != nil {
			return flows.Options{}, 0, usagef("--memory-limit: %v", err)
		}
		debug.SetMemoryLimit(n)
	}
	opt := flows.Options{IdleTimeout: f.idle, SPIs: f.spis}
	for _, p := range f.peers {
		a, err := netip.ParseAddr(p)
		if err != nil {
			return opt, 0, usagef("--peer %q is not an IP address", p)
		}
		opt.Peers = append(opt.Peers, a)
	}
	for _, s := range f.spis {
		h := strings.TrimPrefix(strings.ToLower(s), "0x")
		if (len(h) != 8 && len(h) != 16) || strings.Trim(h, "0123456789abcdef") != "" {
			return opt, 0, usagef("--spi %q: want 16 hex digits (IKE SPI) or 8 (child SA SPI)", s)
		}
	}
	if len(keys) > 0 {
		kr, err := loadKeys(e, keys)
		if err != nil {
			return opt, 0, err
		}
		opt.Decryptor = flows.NewDecryptor(kr)
	}
	return opt, level, nil
}

// failCheck returns a findingsError when --fail-on is set and the report
// has findings at or above its level; extra counts those at or above it
// that were streamed rather than kept in rep.
func (f *flowFlags) failCheck(level flows.Severity, rep *flows.Report, extra int) error {
	if f.failOn == "" || rep == nil {
		return nil
	}
	n := extra
	for _, x := range rep.Findings {
		if x.Severity >= level {
			n++
		}
	}
	if n > 0 {
		return findingsError{n: n, level: level.String()}
	}
	return nil
}

// sessionFlags are the flags analyze and live read a session with: the
// analysis flags, the input flags and --write/--force (each command
// registers --write and --force with its own help).
type sessionFlags struct {
	flowFlags
	in    inputFlags
	write string
	force bool
}

// options checks --write against the files it must never replace
// (inputs) and returns the capture options, the analyzer options and the
// --fail-on level: the checks analyze and live share, in their order.
func (s *sessionFlags) options(e *env, inputs []string) (capture.Options, flows.Options, flows.Severity, error) {
	if err := checkOutput(e, "--write", s.write, s.force, inputs); err != nil {
		return capture.Options{}, flows.Options{}, 0, err
	}
	opt, err := s.in.options()
	if err != nil {
		return opt, flows.Options{}, 0, err
	}
	fopt, level, err := s.flowFlags.options(e, s.in.keys)
	return opt, fopt, level, err
}

// packetOf adapts a capture event to the analyzer's input; ok is false for
// events the analyzer does not take (errors, NAT-keepalives). An ICMP
// error about an IKE datagram becomes a KindICMP packet.
func packetOf(ev *capture.Event, pkt *flows.Packet) (ok bool) {
	switch ev.Kind {
	case capture.KindIKE:
		*pkt = flows.Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.Src, Dst: ev.Dst, Kind: flows.KindIKE, Data: ev.Data,
			TCP: ev.Transport == capture.TransportTCP, Cut: ev.Truncated, TTL: ev.TTL}
	case capture.KindESP:
		*pkt = flows.Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.Src, Dst: ev.Dst, Kind: flows.KindESP, ESPSPI: ev.ESPSPI, ESPSeq: ev.ESPSeq, TTL: ev.TTL}
	case capture.KindICMPUnreachable:
		// The analyzer takes the quoted IKE datagram's addresses; who sent
		// the ICMP error goes with it.
		*pkt = flows.Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.QuotedSrc, Dst: ev.QuotedDst, Kind: flows.KindICMP, Data: ev.Data,
			ICMP: &flows.ICMPInfo{From: ev.Src.Addr(), Code: ev.ICMPCode, V6: !ev.Src.Addr().Is4()}}
	default:
		return false
	}
	return true
}

// parseSize reads a byte count such as "300MB", "300MiB", "2GiB" or "1048576".
// Decimal units (kB, MB, GB) are powers of 1000, binary ones (KiB, MiB,
// GiB) powers of 1024.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (examples: 300MB, 512MiB, 2GiB)", s)
	}
	return n * mult, nil
}
