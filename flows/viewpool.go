package flows

import "sync"

// An SA's exchanges and messages, as view builds them when the SA is
// finalised, take four allocations (the Exchanges, the Messages and the
// two arrays of pointers to them): about 1.6 KB for an SA of the usual
// kind, nearly half of what finalising an SA allocates. A report writer
// that streams SAs (JSON) is done with an SA once it has written it, and
// hands it back with Recycle: the SAs finalised next reuse that storage
// instead of allocating their own, and the collector has less to do
// while Finish concludes the SAs still open.

// viewBlock is the storage of an SA's exchanges and messages (view). A
// block kept for reuse has room for exactly one of viewSizes of each.
type viewBlock struct {
	exs     []Exchange
	exPtrs  []*Exchange
	msgs    []Message
	msgPtrs []*Message
}

// viewSizes are the sizes of the blocks kept for reuse, for exchanges and
// for messages: a block is at most a half larger than needed. Larger
// blocks are left to the collector.
var viewSizes = [...]int{2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128}

// viewPools holds recycled viewBlocks by their classes.
var viewPools [len(viewSizes)][len(viewSizes)]sync.Pool

// viewClass returns the index of the smallest of viewSizes that holds n,
// len(viewSizes) when none does.
func viewClass(n int) int {
	for i, s := range viewSizes {
		if n <= s {
			return i
		}
	}
	return len(viewSizes)
}

// takeViewBlock returns a block with room for nex exchanges and nmsg
// messages: a recycled one when there is one of its size.
func takeViewBlock(nex, nmsg int) *viewBlock {
	ce, cm := viewClass(nex), viewClass(nmsg)
	if ce < len(viewSizes) && cm < len(viewSizes) {
		if b, _ := viewPools[ce][cm].Get().(*viewBlock); b != nil {
			return b
		}
		nex, nmsg = viewSizes[ce], viewSizes[cm]
	}
	return &viewBlock{
		exs: make([]Exchange, nex), exPtrs: make([]*Exchange, nex),
		msgs: make([]Message, nmsg), msgPtrs: make([]*Message, nmsg),
	}
}

// Recycle hands back the storage of sa's exchanges and messages for the
// SAs finalised after it; sa.Exchanges is nil afterwards. Only a caller
// that keeps nothing of sa's exchanges (no *Exchange or *Message, no
// slice of them) may call it, once it is done with sa (handed to
// Options.OnSA, or returned by Finish). It is safe to call from any
// goroutine; SAs built by Lookup (live displays) are not to be recycled.
func Recycle(sa *SA) {
	b := sa.view
	sa.view, sa.Exchanges = nil, nil
	if b == nil {
		return
	}
	// A block made to measure (larger than the largest size) is not kept.
	ce, cm := viewClass(len(b.exs)), viewClass(len(b.msgs))
	if ce < len(viewSizes) && cm < len(viewSizes) && len(b.exs) == viewSizes[ce] && len(b.msgs) == viewSizes[cm] {
		viewPools[ce][cm].Put(b)
	}
}
