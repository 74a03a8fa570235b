package main

import (
	"fmt"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/ikeflow/ikeflow/capture"
)

// pcapngOut writes frames to a pcapng file (--write).
type pcapngOut struct {
	path string
	f    *os.File
	w    *pcapgo.NgWriter
	n    int64
	intf map[pcapngIntfKey]int // output interface per input link type/source
	err  error
}

// pcapngIntfKey names an output interface.
type pcapngIntfKey struct {
	src string
	lt  layers.LinkType
}

// createPcapng creates path; the section header and the first interface
// (name, link type, snap length, filter description) are written at once.
func createPcapng(path string, first pcapgo.NgInterface) (*pcapngOut, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--write: %w", err)
	}
	first.TimestampResolution = 9
	opts := pcapgo.DefaultNgWriterOptions
	opts.SectionInfo.Application = "ikeflow"
	w, err := pcapgo.NewNgWriterInterface(f, first, opts)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("--write %s: %w", path, err)
	}
	o := &pcapngOut{path: path, f: f, w: w, intf: map[pcapngIntfKey]int{{first.Name, first.LinkType}: 0}}
	return o, nil
}

// iface returns the output interface for frames of src with link type lt,
// adding it on first use.
func (o *pcapngOut) iface(src string, lt layers.LinkType) (int, error) {
	k := pcapngIntfKey{src, lt}
	if id, ok := o.intf[k]; ok {
		return id, nil
	}
	id, err := o.w.AddInterface(pcapgo.NgInterface{Name: src, LinkType: lt, TimestampResolution: 9})
	if err != nil {
		return 0, fmt.Errorf("--write %s: %w", o.path, err)
	}
	o.intf[k] = id
	return id, nil
}

// write appends one frame on output interface id.
func (o *pcapngOut) write(id int, ci gopacket.CaptureInfo, data []byte) error {
	if o.err != nil {
		return o.err
	}
	ci.InterfaceIndex = id
	ci.CaptureLength = len(data)
	if ci.Length < len(data) {
		ci.Length = len(data)
	}
	ci.AncillaryData = nil
	if err := o.w.WritePacket(ci, data); err != nil {
		o.err = fmt.Errorf("--write %s: %w", o.path, err)
		return o.err
	}
	o.n++
	return nil
}

// close writes the interface statistics of interface 0 when given,
// flushes and closes the file.
func (o *pcapngOut) close(stats *pcapgo.NgInterfaceStatistics) error {
	err := o.err
	if stats != nil && err == nil {
		err = o.w.WriteInterfaceStats(0, *stats)
	}
	if ferr := o.w.Flush(); err == nil {
		err = ferr
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil && o.err == nil {
		err = fmt.Errorf("--write %s: %w", o.path, err)
	}
	return err
}

// teeSource passes frames through from a capture.PacketSource and writes
// each to a pcapng file on the way: what the live reader decodes is
// exactly what the file holds.
type teeSource struct {
	capture.PacketSource
	out *pcapngOut
}

// ZeroCopyReadPacketData reads a frame and writes it to the file; a write
// error ends the capture.
func (t *teeSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := t.PacketSource.ZeroCopyReadPacketData()
	if err != nil {
		return data, ci, err
	}
	if err := t.out.write(0, ci, data); err != nil {
		return nil, ci, err
	}
	return data, ci, nil
}
