package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/atomicfile"
)

// How often --write hands whole packets to the file: after this much time
// or this many buffered octets, whichever comes first (live mode also
// flushes whenever it waits for traffic).
const (
	writeFlushEvery = time.Second
	writeFlushSize  = 1 << 20
)

// pcapngOut writes frames to a pcapng file (--write). The file is written
// under a temporary name (atomicfile) and gets its name at close: an
// interrupted run leaves the previous file untouched. The pcapng writer
// writes into buf, which reaches the temporary file only at packet
// boundaries, so the temporary file always ends with a whole block: after
// a kill it is a valid pcapng with every frame up to the last flush.
type pcapngOut struct {
	path  string
	af    *atomicfile.File
	buf   blockBuf
	w     *pcapgo.NgWriter
	n     int64
	intf  map[pcapngIntfKey]int // output interface per input link type/source
	last  time.Time             // last flush to the file
	err   error
	fixed bool // committed or aborted

	mu   sync.Mutex     // held while the file is committed or dropped
	sigc chan os.Signal // removeOnSignal, until the file is fixed
	done chan struct{}
}

// blockBuf collects what the pcapng writer produces between flushes.
type blockBuf struct{ b []byte }

// Write appends p.
func (b *blockBuf) Write(p []byte) (int, error) { b.b = append(b.b, p...); return len(p), nil }

// pcapngIntfKey names an output interface.
type pcapngIntfKey struct {
	src string
	lt  layers.LinkType
}

// createPcapng starts writing path (replacing an existing file only with
// force); the section header and the first interface (name, link type,
// snap length, filter description) are written at once.
func createPcapng(path string, force bool, first pcapgo.NgInterface) (*pcapngOut, error) {
	af, err := atomicfile.Create(path, force)
	if err != nil {
		return nil, fmt.Errorf("--write: %w", err)
	}
	o := &pcapngOut{path: path, af: af, intf: map[pcapngIntfKey]int{{first.Name, first.LinkType}: 0}, last: time.Now()}
	first.TimestampResolution = 9
	opts := pcapgo.DefaultNgWriterOptions
	opts.SectionInfo.Application = "ikeflow"
	o.w, err = pcapgo.NewNgWriterInterface(&o.buf, first, opts)
	if err == nil {
		err = o.flush()
	}
	if err != nil {
		af.Abort()
		return nil, fmt.Errorf("--write %s: %w", path, err)
	}
	return o, nil
}

// partial is the name of the file being written until close.
func (o *pcapngOut) partial() string { return o.af.Name() }

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

// dropped records that input src (of link type lt) dropped n packets
// while it was taken, in an Interface Statistics Block of its interface
// (added when none of its frames was written).
func (o *pcapngOut) dropped(src string, lt layers.LinkType, n uint64) error {
	id := -1
	for k, v := range o.intf {
		if k.src == src && (id < 0 || v < id) {
			id = v
		}
	}
	if id < 0 {
		var err error
		if id, err = o.iface(src, lt); err != nil {
			return err
		}
	}
	if err := o.w.WriteInterfaceStats(id, pcapgo.NgInterfaceStatistics{LastUpdate: o.last, PacketsDropped: n,
		PacketsReceived: pcapgo.NgNoValue64}); err != nil {
		return fmt.Errorf("--write %s: %w", o.path, err)
	}
	return nil
}

// write appends one frame on output interface id, flushing whole packets
// to the file when one is due.
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
	if len(o.buf.b) >= writeFlushSize || o.n&63 == 0 && time.Since(o.last) >= writeFlushEvery {
		return o.flush()
	}
	return nil
}

// flush hands every whole block written so far to the file in one write.
func (o *pcapngOut) flush() error {
	if o.err != nil {
		return o.err
	}
	o.last = time.Now()
	if err := o.w.Flush(); err != nil {
		o.err = fmt.Errorf("--write %s: %w", o.path, err)
		return o.err
	}
	if len(o.buf.b) == 0 {
		return nil
	}
	if _, err := o.af.Write(o.buf.b); err != nil {
		o.err = fmt.Errorf("--write %s: %w", o.path, err)
		return o.err
	}
	if cap(o.buf.b) > 4*writeFlushSize {
		o.buf.b = nil
	} else {
		o.buf.b = o.buf.b[:0]
	}
	return nil
}

// idle flushes when frames are waiting (live mode, before waiting for
// traffic), so the file on disk lags the capture by little.
func (o *pcapngOut) idle() {
	if o.err == nil && time.Since(o.last) >= writeFlushEvery/10 {
		o.flush()
	}
}

// osExit is os.Exit; a test replaces it.
var osExit = os.Exit

// removeOnSignal makes SIGINT and SIGTERM, until the file is closed or
// dropped, remove the temporary file and exit with status 128+signal
// (analyze --write: what it writes can be made again, so an interrupted
// run leaves nothing behind; live keeps its partial file instead).
func (o *pcapngOut) removeOnSignal(stderr io.Writer) {
	sigc, done := make(chan os.Signal, 1), make(chan struct{})
	o.mu.Lock()
	o.sigc, o.done = sigc, done
	o.mu.Unlock()
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigc:
			o.mu.Lock()
			defer o.mu.Unlock()
			if o.fixed {
				return // finished meanwhile: the run ends at once anyway
			}
			o.fixed = true
			o.af.Abort()
			o.stopSignals()
			fmt.Fprintf(stderr, "ikeflow: %v: %s was not written (left as it was)\n", s, o.path)
			code := 130
			if s == syscall.SIGTERM {
				code = 143
			}
			osExit(code)
		case <-done:
		}
	}()
}

// stopSignals ends removeOnSignal (o.mu held).
func (o *pcapngOut) stopSignals() {
	if o.sigc != nil {
		signal.Stop(o.sigc)
		close(o.done)
		o.sigc = nil
	}
}

// close writes the interface statistics of interface 0 when given,
// flushes, and gives the file its name. On error the previous file is left
// as it was and the temporary file is removed.
func (o *pcapngOut) close(stats *pcapgo.NgInterfaceStatistics) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fixed {
		return o.err
	}
	o.fixed = true
	defer o.stopSignals()
	err := o.err
	if stats != nil && err == nil {
		if err = o.w.WriteInterfaceStats(0, *stats); err != nil {
			err = fmt.Errorf("--write %s: %w", o.path, err)
		}
	}
	if err == nil {
		err = o.flush()
	}
	if err != nil {
		o.af.Abort()
		return err
	}
	if err := o.af.Commit(); err != nil {
		return fmt.Errorf("--write %s: %w (the capture is in %s)", o.path, err, o.af.Name())
	}
	return nil
}

// abort drops the file being written; the previous file stays.
func (o *pcapngOut) abort() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.fixed {
		o.fixed = true
		o.af.Abort()
		o.stopSignals()
	}
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
