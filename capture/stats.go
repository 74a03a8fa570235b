package capture

// Stats counts what a [Reader] has seen so far.
type Stats struct {
	Packets          int64 // frames read (all link types)
	Bytes            int64 // captured octets of those frames
	IKE              int64 // IKE messages delivered
	ESP              int64 // ESP packets delivered
	NATKeepalives    int64 // NAT-keepalives delivered
	ICMPUnreachable  int64 // ICMP destination unreachables about IKE or NAT-T datagrams delivered
	NonIKE           int64 // frames with nothing for us (other protocols and ports)
	Unsupported      int64 // frames of a link type the reader does not decode
	Fragments        int64 // IP fragments seen
	Reassembled      int64 // datagrams reassembled from fragments
	FragmentsPending int   // datagrams currently waiting for more fragments
	FragmentsDropped int64 // fragments discarded (limits, timeouts, inconsistencies)
	TCPSegments      int64 // TCP segments on IKE-over-TCP ports
	TCPStreams       int   // stream directions currently tracked
	TCPBytesDropped  int64 // stream octets discarded (gaps, limits, lost framing)
	Errors           int64 // KindError events produced
	Truncated        bool  // the capture file ends in the middle of a record
	Damaged          int64 // damaged places in the file structure (each reported with its file offset)
	SkippedBytes     int64 // file octets skipped to resynchronise after damage
}
