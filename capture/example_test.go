package capture_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/ikeflow/ikeflow/capture"
)

// Read every IKE message and ESP packet of a capture. The file is one of
// the third-party captures described in ../shared/captures/README.md.
func Example() {
	r, err := capture.Open("../../shared/captures/zeek-spicy-ipsec/ipsec_client.pcap", capture.Options{})
	if err != nil {
		log.Fatal(err)
		return
	}
	defer r.Close()
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		switch e.Kind {
		case capture.KindIKE:
			// e.Data is valid until the next call to Next: copy what you keep.
			fmt.Printf("frame %d %s %s -> %s IKE %d octets marker=%v reassembled=%v\n",
				e.Frame, e.Transport, e.Src, e.Dst, len(e.Data), e.NonESPMarker, e.Reassembled)
		case capture.KindESP:
			fmt.Printf("frame %d ESP SPI %#08x seq %d\n", e.Frame, e.ESPSPI, e.ESPSeq)
		case capture.KindError:
			fmt.Println(e.Err)
		}
	}
	st := r.Stats()
	fmt.Printf("%d packets, %d IKE messages, %d fragments, %d reassembled\n", st.Packets, st.IKE, st.Fragments, st.Reassembled)
	// Prints (not checked here, since the capture may be absent; the tests
	// check the same values against tshark):
	// frame 1 udp 192.168.0.10:500 -> 144.76.154.114:500 IKE 880 octets marker=false reassembled=false
	// frame 2 udp 144.76.154.114:500 -> 192.168.0.10:500 IKE 308 octets marker=false reassembled=false
	// frame 5 udp 192.168.0.10:4500 -> 144.76.154.114:4500 IKE 3468 octets marker=true reassembled=true
	// frame 8 udp 192.168.0.10:4500 -> 144.76.154.114:4500 IKE 3468 octets marker=true reassembled=true
	// frame 11 udp 192.168.0.10:4500 -> 144.76.154.114:4500 IKE 3468 octets marker=true reassembled=true
	// 11 packets, 5 IKE messages, 9 fragments, 3 reassembled
}
