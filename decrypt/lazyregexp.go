package decrypt

import (
	"regexp"
	"sync"
)

// lazyRegexp returns a function that compiles expr on its first call and
// returns the compiled expression from then on. The key file parsers'
// expressions (about twenty) are compiled only when a key file is read:
// compiled at start-up they took 0.4 ms of every command, most of which
// read no key file.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
