package flows

// SAsSeen returns how many IKE SAs the analyzer has started tracking so far,
// including those already finalised; for progress displays.
func (a *Analyzer) SAsSeen() int { return a.nextSeq }
