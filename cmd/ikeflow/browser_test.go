package main

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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

// chromium runs the headless browser with a window 1280 pixels wide and
// height high and returns its standard output.
func chromium(t *testing.T, bin, profile, height string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + profile, "--window-size=1280," + height, "--hide-scrollbars", "--virtual-time-budget=10000"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=disabled:")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return string(out)
}

// harness is a page (made by the test, not by ikeflow) that shows each
// report in a 1280-pixel-wide frame and, once everything is loaded, writes
// every frame's measurements into its title, which --dump-dom prints.
const harnessHead = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>waiting</title>
<style>body{margin:0} iframe{display:block;width:1280px;height:%dpx;border:0}</style></head><body>
`

const harnessTail = `<script>
window.addEventListener("load", function () {
  var out = [];
  document.querySelectorAll("iframe").forEach(function (f) {
    var d = f.contentDocument, t = d.querySelector("table.sas");
    out.push("scroll=" + d.documentElement.scrollWidth + " inner=" + f.contentWindow.innerWidth +
      " table=" + (t ? Math.ceil(t.getBoundingClientRect().right) : 0) + " text=" + d.body.innerText.length);
  });
  document.title = "probe " + out.join(";");
});
</script></body></html>`

var probeRE = regexp.MustCompile(`scroll=(\d+) inner=(\d+) table=(\d+) text=(\d+)`)

// frameHeight is the height of each report's frame in the harness.
const frameHeight = 900

// TestHTMLInBrowser renders the HTML reports of three corpus captures in
// headless Chromium (two browser runs: one measures, one screenshots): the
// page is not blank and at 1280 px the page, the SA table included, needs
// no horizontal scroll bar. With IKEFLOW_SCREENS=dir the screenshot is
// kept there for review.
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
	scens := []string{"ikev2-auth-child-no-proposal", "ikev2-rekey", "ikev1-wrong-psk"}
	harness := fmt.Sprintf(harnessHead, frameHeight)
	for _, scen := range scens {
		c, keys := scenario(t, scen)
		page, errb, code := ikeflow(t, withKeyArgs(c, keys, "--format", "html")...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", scen, code, errb)
		}
		if err := os.WriteFile(filepath.Join(dir, scen+".html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		harness += `<iframe src="` + scen + `.html"></iframe>` + "\n"
	}
	hpath := filepath.Join(dir, "harness.html")
	if err := os.WriteFile(hpath, []byte(harness+harnessTail), 0o644); err != nil {
		t.Fatal(err)
	}
	height := strconv.Itoa(frameHeight * len(scens))
	dom := chromium(t, bin, profile, height, "--allow-file-access-from-files", "--dump-dom", "file://"+hpath)
	ms := probeRE.FindAllStringSubmatch(dom, -1)
	if len(ms) != len(scens) {
		t.Fatalf("the probe measured %d of %d reports:\n%.500s", len(ms), len(scens), dom)
	}
	for i, m := range ms {
		scen := scens[i]
		scroll, inner, table, text := atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
		if inner != 1280 {
			t.Fatalf("%s: frame %d px wide, want 1280", scen, inner)
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
	}
	shot := filepath.Join(dir, "reports.png")
	chromium(t, bin, profile, height, "--allow-file-access-from-files", "--screenshot="+shot, "file://"+hpath)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() < frameHeight*len(scens) {
		t.Fatalf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	for i, scen := range scens {
		ink, red, total := 0, 0, 0
		for y := i * frameHeight; y < (i+1)*frameHeight; y += 2 {
			for x := 0; x < b.Dx(); x += 2 {
				r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				total++
				if r < 0xc000 || g < 0xc000 || bl < 0xc000 {
					ink++
				}
				if r > bl+0x3000 && r > g+0x3000 { // the red of errors
					red++
				}
			}
		}
		if ink < total/100 {
			t.Errorf("%s: screenshot nearly blank (%d of %d sampled pixels drawn)", scen, ink, total)
		}
		if scen != "ikev2-rekey" && red == 0 {
			t.Errorf("%s: has errors but no red on screen", scen)
		}
	}
	if keep := os.Getenv("IKEFLOW_SCREENS"); keep != "" {
		if data, err := os.ReadFile(shot); err == nil {
			os.WriteFile(filepath.Join(keep, "browser-test-reports.png"), data, 0o644)
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
