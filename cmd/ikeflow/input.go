package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/spf13/pflag"
)

// inputFlags are the packet-input flags shared by every command that reads captures.
type inputFlags struct {
	ikePorts  []uint
	nattPorts []uint
	tcpPorts  []uint
	keys      []string
}

func (f *inputFlags) register(fs *pflag.FlagSet) {
	fs.UintSliceVar(&f.ikePorts, "ike-ports", []uint{500}, "UDP `ports` carrying plain IKE")
	fs.UintSliceVar(&f.nattPorts, "natt-ports", []uint{4500}, "UDP `ports` with RFC 3948 encapsulation (non-ESP marker + IKE, or ESP)")
	fs.UintSliceVar(&f.tcpPorts, "tcp-ports", []uint{4500}, "TCP `ports` carrying RFC 8229 IKE streams")
	fs.StringArrayVar(&f.keys, "keys", nil, "read IKE SA keys from `file` (repeatable; Wireshark UAT tables, strongSwan, libreswan and OpenIKED logs, FortiGate output, ikeflow keys list --show-secrets)")
}

func (f *inputFlags) options() (capture.Options, error) {
	conv := func(name string, in []uint) ([]uint16, error) {
		out := make([]uint16, 0, len(in))
		for _, p := range in {
			if p == 0 || p > 65535 {
				return nil, usagef("--%s: %d is not a port", name, p)
			}
			out = append(out, uint16(p))
		}
		return out, nil
	}
	var o capture.Options
	var err error
	if o.IKEPorts, err = conv("ike-ports", f.ikePorts); err != nil {
		return o, err
	}
	if o.NATTPorts, err = conv("natt-ports", f.nattPorts); err != nil {
		return o, err
	}
	if o.TCPPorts, err = conv("tcp-ports", f.tcpPorts); err != nil {
		return o, err
	}
	return o, nil
}

// looksLikeFile reports whether arg names a capture rather than a command.
func looksLikeFile(arg string) bool {
	if arg == "-" {
		return true
	}
	for _, ext := range []string{".pcap", ".pcapng", ".cap", ".gz", ".dmp"} {
		if strings.HasSuffix(arg, ext) {
			return true
		}
	}
	st, err := os.Stat(arg)
	return err == nil && !st.IsDir()
}

// openCapture opens one capture, turning the common failures into messages
// that say what to do.
func openCapture(e *env, path string, opt capture.Options) (*capture.Reader, error) {
	var r *capture.Reader
	var err error
	if path == "-" {
		r, err = capture.NewReader(e.stdin, opt)
		path = "standard input"
	} else {
		r, err = capture.Open(path, opt)
	}
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no such file", path)
		}
		if st, serr := os.Stat(path); serr == nil && st.IsDir() {
			return nil, fmt.Errorf("%s: is a directory, not a capture", path)
		}
		if strings.HasPrefix(err.Error(), path+": ") {
			return nil, err // the path is in the error already
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// readEvents hands every event of r, read from path, to each until each
// returns false; a read error comes back with path in front.
func readEvents(r *capture.Reader, path string, each func(ev *capture.Event) bool) error {
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !each(ev) {
			return nil
		}
	}
}

// sameFiles returns the inputs that name a file an earlier input names
// too (by another path, or the same): each as {earlier, later}. Standard
// input and inputs that cannot be read are left to opening them.
func sameFiles(paths []string) [][2]string {
	var out [][2]string
	seen := make([]os.FileInfo, len(paths))
	for i, p := range paths {
		if p == "-" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		seen[i] = st
		for j := range i {
			if seen[j] != nil && os.SameFile(seen[j], st) {
				out = append(out, [2]string{paths[j], p})
				break
			}
		}
	}
	return out
}
