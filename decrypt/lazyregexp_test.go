package decrypt

import (
	"regexp"
	"testing"
)

// TestLazyRegexps compiles every key file expression: compiled on first
// use, a broken one would otherwise show only when a file of its format
// is read (before, it stopped every command at start-up).
func TestLazyRegexps(t *testing.T) {
	for name, re := range map[string]func() *regexp.Regexp{
		"reCharonLine": reCharonLine, "reForti": reForti, "reIkedHead": reIkedHead, "reIkedHex": reIkedHex,
		"reIkedNeg": reIkedNeg, "reIkedSniff": reIkedSniff, "reLibreswanCand": reLibreswanCand, "reNative": reNative,
		"rePlutoLog": rePlutoLog, "reSSDump": reSSDump, "reSSHead": reSSHead, "reSSOther": reSSOther,
		"reSSProp": reSSProp, "reSSRow": reSSRow, "reSSSPIs": reSSSPIs, "reSSTag": reSSTag, "reSSThr": reSSThr, "reSSVer": reSSVer,
	} {
		if r := re(); r == nil || re() != r {
			t.Errorf("%s: %p then %p, want one compiled expression", name, r, re())
		}
	}
}
