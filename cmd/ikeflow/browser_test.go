package main

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumPath returns the headless browser to render reports with, or ""
// (the test is skipped; CI installs the Debian package chromium).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium runs the headless browser on a file with a 1280-pixel-wide
// window and returns its standard output.
func chromium(t *testing.T, bin, profile string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + profile, "--window-size=1280,1000", "--hide-scrollbars"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=disabled:")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return string(out)
}

// layoutProbe is appended to a copy of a report (never to the report
// itself, which has no script): it writes the page's measurements into the
// title, which --dump-dom prints.
const layoutProbe = `<script>
(function () {
  var d = document.documentElement, t = document.querySelector("table.sas");
  var right = t ? Math.ceil(t.getBoundingClientRect().right) : 0;
  document.title = "probe scroll=" + d.scrollWidth + " inner=" + window.innerWidth +
    " table=" + right + " text=" + document.body.innerText.length;
})();
</script>`

var probeRE = regexp.MustCompile(`probe scroll=(\d+) inner=(\d+) table=(\d+) text=(\d+)`)

// TestHTMLInBrowser renders the HTML reports of three corpus captures in
// headless Chromium: the page is not blank (screenshot) and at 1280 px the
// page, the SA table included, needs no horizontal scroll bar. With
// IKEFLOW_SCREENS=dir the screenshots are kept there for review.
func TestHTMLInBrowser(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium (apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	keep := os.Getenv("IKEFLOW_SCREENS")
	for _, scen := range []string{"ikev2-auth-child-no-proposal", "ikev2-rekey", "ikev1-wrong-psk"} {
		c, keys := scenario(t, scen)
		page, errb, code := ikeflow(t, withKeyArgs(c, keys, "--format", "html")...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", scen, code, errb)
		}
		report := filepath.Join(dir, scen+".html")
		probe := filepath.Join(dir, scen+".probe.html")
		if err := os.WriteFile(report, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(probe, []byte(strings.Replace(page, "</body>", layoutProbe+"</body>", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		dom := chromium(t, bin, profile, "--dump-dom", "file://"+probe)
		m := probeRE.FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("%s: the probe did not run:\n%.500s", scen, dom)
		}
		scroll, inner, table, text := atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
		if inner < 1200 || inner > 1280 {
			t.Fatalf("%s: window %d px wide, want 1280", scen, inner)
		}
		if scroll > inner {
			t.Errorf("%s: page is %d px wide in a %d px window: horizontal scroll bar", scen, scroll, inner)
		}
		if table == 0 || table > inner {
			t.Errorf("%s: SA table ends at %d px (window %d px)", scen, table, inner)
		}
		if text < 500 {
			t.Errorf("%s: only %d characters of text", scen, text)
		}
		shot := filepath.Join(dir, scen+".png")
		chromium(t, bin, profile, "--screenshot="+shot, "file://"+report)
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: screenshot: %v", scen, err)
		}
		b := img.Bounds()
		ink, colour := 0, 0
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				r, g, bl, _ := img.At(x, y).RGBA()
				if r < 0xc000 || g < 0xc000 || bl < 0xc000 {
					ink++
				}
				if r > bl+0x3000 && r > g+0x3000 { // the red of errors
					colour++
				}
			}
		}
		total := (b.Dx() / 2) * (b.Dy() / 2)
		if ink < total/100 {
			t.Errorf("%s: screenshot nearly blank (%d of %d sampled pixels drawn)", scen, ink, total)
		}
		if scen != "ikev2-rekey" && colour == 0 {
			t.Errorf("%s: has errors but no red on screen", scen)
		}
		if keep != "" {
			if data, err := os.ReadFile(shot); err == nil {
				os.WriteFile(filepath.Join(keep, scen+".png"), data, 0o644)
			}
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
