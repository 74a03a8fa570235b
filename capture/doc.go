// Package capture reads packet captures and yields the IKE and IPsec traffic
// in them, one [Event] at a time.
//
// # Input
//
// [Open] reads a pcap or pcapng file, optionally gzip-compressed; the path
// "-" means standard input, so `tcpdump -w - | ikeflow dissect -` works.
// [NewReader] does the same for any [io.Reader]. Records are read up to
// [MaxSnaplen] octets (tcpdump's MAXIMUM_SNAPLEN) whatever snap length a
// pcap header declares, as tcpdump and Wireshark do, so a hostile header
// cannot make the reader allocate gigabytes; a pcapng section keeps at
// most [MaxInterfaces] interfaces. A capture whose last record is cut off
// yields one [KindError] event wrapping [ErrCaptureTruncated] and then
// ends normally with io.EOF.
//
// # Damaged files
//
// The reader reports what it can read. A pcap record header whose length
// is impossible (above MaxSnaplen), or a pcapng block whose lengths are
// impossible or disagree (the length is repeated at the end of every
// block), yields one [KindError] event wrapping [ErrCaptureDamaged] that
// names the file offset, and the reader resynchronises: it searches,
// octet by octet and at most 64 MiB on, for the next plausible record (a
// pcap header with sane lengths and a timestamp near the last good one,
// followed by another such header; a pcapng block of a known type whose
// trailing length matches). Reading goes on from there, and frame numbers
// go on counting the records read: tshark and Wireshark stop at the
// damage, so frames before it have the numbers they show, frames after it
// have numbers no other tool shows. A record whose captured length
// exceeds its original length is read as recorded (tshark does too) and
// reported once per file. Only a read error of the input itself (a
// corrupt gzip stream, an I/O error) ends reading with an error.
//
// Frame times lie from 1970-01-01T00:00:00Z to
// 2262-04-11T23:47:16.854775807Z, the times int64 nanoseconds since the
// epoch hold (frametime.go says why). A pcapng packet stamped outside
// them (its 64-bit stamp, resolution and signed if_tsoffset allow years
// before 1970 and far past 9999) is damaged: it is given the time of the
// frame before it (the Unix epoch for the first frame) and read on in its
// place; the first such frame of a file yields a [KindError] event
// wrapping [ErrCaptureDamaged] that names its file offset and stamp, and
// when there were more, an event at the end of the file counts them.
// Classic pcap stamps cannot leave the range.
//
// Link types: Ethernet (with any number of 802.1Q/802.1ad VLAN tags), Linux cooked capture v1 (SLL) and v2 (SLL2), raw IP (LINKTYPE_RAW
// 101, LINKTYPE_IPV4 228, LINKTYPE_IPV6 229, and the historical DLT_RAW
// values 12 and 14), and BSD loopback (NULL 0 and LOOP 108). Frames of any
// other link type are counted in [Stats.Unsupported] and reported once per
// link type with an error event wrapping [ErrUnsupportedLinkType].
//
// # Frame numbers
//
// [Event.Frame] is 1-based over every packet record of the file (pcap
// records; pcapng Enhanced, Simple and obsolete Packet blocks), including
// non-IP packets and packets of other interfaces, exactly as Wireshark
// numbers frames. For a message reassembled from several IP fragments or
// TCP segments it is the frame that completed the message, as in Wireshark.
// [OpenFrames] reads the raw records of a file with the same readers and
// the same numbering (also after damage), so the frame an Event names can
// be found again, for example to copy it to another capture.
//
// # What is recognised
//
//   - IKE on the UDP ports of [Options.IKEPorts] (default 500), where the
//     whole UDP payload is the IKE message (a leading non-ESP marker is
//     tolerated and stripped).
//   - RFC 3948 UDP encapsulation on the ports of [Options.NATTPorts]
//     (default 4500): four zero octets (the non-ESP marker) and then an IKE
//     message; a single 0xFF octet is a NAT-keepalive; anything else is
//     ESP-in-UDP, reported with its SPI and sequence number.
//   - ESP directly over IP (protocol 50), also behind an AH header.
//   - IKE over TCP (RFC 8229) on the ports of [Options.TCPPorts] (default
//     4500): the "IKETCP" stream prefix, 2-octet length framing (the length
//     counts its own two octets), the non-ESP marker before IKE messages,
//     messages that span segments and several messages per segment. Each
//     direction is reassembled by sequence number; buffered bytes, streams
//     and idle time are bounded. Octets the capture lacks (a lost segment,
//     a record cut by the snap length) do not lose the rest of the stream:
//     a hole is given up as soon as the peer acknowledges octets after it
//     (or at the FIN, a buffer limit or the end of the capture), the
//     partial message around it is dropped with an [ErrTCPStream] note
//     naming the stream offset, and framing resumes at the first offset
//     where an IKE message plausibly starts (length, non-ESP marker, IKE
//     header whose length agrees) or an ESP frame with an SPI the stream
//     carried before. A stream seen without its SYN or "IKETCP" prefix is
//     framed the same way.
//   - IPv4 and IPv6 (extension headers included) with bounded fragment
//     reassembly: limits on pending datagrams, bytes per datagram and total
//     buffered bytes, and a timeout measured in capture time. Out-of-order
//     fragments are fine; overlapping IPv4 fragments are accepted (later
//     bytes win), overlapping IPv6 fragments drop the datagram (RFC 5722).
//
// Everything else is counted in [Stats.NonIKE] and otherwise skipped by a
// cheap pre-filter (link type, ethertype, IP protocol, port bitmap), so a
// capture that is mostly other traffic scans at memory speed.
//
// # Aliasing
//
// The *Event returned by [Reader.Next], and the Data slice inside it, are
// owned by the Reader and valid only until the next call to Next. Copy
// anything that must live longer.
//
// # Errors
//
// Problems with single packets (a truncated IPv4 header, a lost fragment, a
// desynchronised TCP stream, …) are not fatal: they come back as events of
// [KindError] whose Err is a [*PacketError] naming the frame, the layer and
// the offset. Next returns a non-nil error other than io.EOF only when the
// capture file itself cannot be read any further.
package capture
