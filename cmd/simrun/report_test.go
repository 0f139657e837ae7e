//go:build unix

package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromium finds the browser, or skips the test; with
// SIMRUN_REQUIRE_CHROMIUM=1 (CI, which installs it) a missing browser
// fails it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SIMRUN_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("SIMRUN_REQUIRE_CHROMIUM=1 but no chromium on PATH (Debian: apt-get install chromium)")
	}
	t.Skip("no chromium on PATH (Debian: apt-get install chromium; SIMRUN_REQUIRE_CHROMIUM=1 makes this a failure)")
	return ""
}

// headless runs chromium on a page with the given extra flags and returns
// its stdout; it kills the browser's whole process group after a minute.
func headless(t *testing.T, browser, page string, flags ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.CommandContext(ctx, browser, append(args, "file://"+page)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", flags, err, errb.String())
	}
	return out.Bytes()
}

// checkScript, appended to a copy of a report, lays the page out and
// records what it found in #simrun-check: the inline figures, those whose
// box or drawing is empty, the tables, any element that would load
// something, and the wide figures drawn narrower than the page's figure
// area (squeezed into a column).
const checkScript = `<script>
(function () {
  const svgs = Array.from(document.querySelectorAll("figure svg"));
  const flat = svgs.filter(s => { const r = s.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); });
  const blank = svgs.filter(s => { const b = s.getBBox(); return !(b.width > 0 && b.height > 0); });
  const loads = document.querySelectorAll("[src], link, iframe, object, embed, img").length;
  const grid = document.querySelector(".figures");
  const squeezed = Array.from(document.querySelectorAll("figure.wide svg")).filter(s => s.getBoundingClientRect().width < 0.9 * grid.getBoundingClientRect().width);
  const m = document.createElement("div");
  m.id = "simrun-check";
  m.textContent = "svgs=" + svgs.length + " flat=" + flat.length + " blank=" + blank.length +
    " tables=" + document.querySelectorAll("table").length + " loads=" + loads + " squeezed=" + squeezed.length;
  document.body.appendChild(m);
})();
</script>`

// The report of a run, a sweep, a plan and three studies, rendered by
// headless Chromium: every SVG the directory has is drawn inline with a
// non-empty box, nothing is loaded from anywhere, and the screenshot has
// the charts' colours on it.
func TestReportRendersInChromium(t *testing.T) {
	browser := chromium(t)
	tmp := t.TempDir()
	cases := []struct {
		name   string
		args   []string
		tables int
	}{
		{"run", []string{"run", "quickstart", "--quiet"}, 2},
		{"sweep", []string{"sweep", "quickstart", "--sweep", "small_hosts=2,8", "--sweep", "placement.policy=first-fit,worst-fit", "--replications", "3", "--quiet"}, 4},
		{"plan", []string{"plan", "sizing", "--target", "vms_rejected<1", "--target", "unmet_demand_fraction<0.01", "--vary", "hosts", "--range", "1:16", "--replications", "3", "--quiet"}, 3},
		{"memory study", []string{"run", "mem-mechanisms", "--quiet"}, 2},
		{"overhead study", []string{"run", "virt-cpu", "--quiet"}, 2},
		{"cloud study", []string{"run", "euca-burst", "--quiet"}, 2},
	}
	for i, c := range cases {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		if code, _, e := runCLI(t, append(c.args, "-o", dir)...); code != 0 {
			t.Fatalf("%s: %s", c.name, e)
		}
		if code, out, e := runCLI(t, "report", dir); code != 0 || !strings.Contains(out, "report.html") {
			t.Fatalf("%s: report: %d %s %s", c.name, code, out, e)
		}
		svgs, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
		if len(svgs) == 0 {
			t.Fatalf("%s wrote no SVG", c.name)
		}
		b, err := os.ReadFile(filepath.Join(dir, "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		checked := filepath.Join(dir, "checked.html")
		page := strings.Replace(string(b), "</body>", checkScript+"\n</body>", 1)
		if err := os.WriteFile(checked, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		dom := headless(t, browser, checked, "--virtual-time-budget=2000", "--dump-dom")
		m := regexp.MustCompile(`<div id="simrun-check">svgs=(\d+) flat=(\d+) blank=(\d+) tables=(\d+) loads=(\d+) squeezed=(\d+)</div>`).FindSubmatch(dom)
		if m == nil {
			t.Fatalf("%s: the check script left no marker; DOM starts %.300s", c.name, dom)
		}
		t.Logf("%s: %s", c.name, m[0])
		n := func(i int) int { v, _ := strconv.Atoi(string(m[i])); return v }
		if n(1) != len(svgs) || n(2) != 0 || n(3) != 0 || n(4) < c.tables || n(5) != 0 || n(6) != 0 {
			t.Errorf("%s: %s (want svgs=%d flat=0 blank=0 tables≥%d loads=0 squeezed=0)", c.name, m[0], len(svgs), c.tables)
		}
		shot := filepath.Join(dir, "shot.png")
		headless(t, browser, filepath.Join(dir, "report.html"), "--window-size=1280,2400", "--screenshot="+shot)
		f, err := os.Open(shot)
		if err != nil {
			t.Fatalf("%s: no screenshot: %v", c.name, err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: screenshot: %v", c.name, err)
		}
		inked, blue := inkAndBlue(img)
		t.Logf("%s: %d of %d pixels inked, %d chart-blue", c.name, inked, img.Bounds().Dx()*img.Bounds().Dy(), blue)
		total := img.Bounds().Dx() * img.Bounds().Dy()
		// Text, tables and figures cover well over 2 % of the page; the
		// charts' first series is the palette's blue (0, 114, 178).
		if inked < total/50 || blue < 200 {
			t.Errorf("%s: screenshot looks blank: %d of %d pixels not white, %d chart-blue", c.name, inked, total, blue)
		}
	}
}

// inkAndBlue counts the pixels that are not white, and those close to the
// charts' first colour.
func inkAndBlue(img image.Image) (inked, blue int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 245 || g < 245 || bl < 245 {
				inked++
			}
			if r < 40 && g > 90 && g < 140 && bl > 150 && bl < 210 {
				blue++
			}
		}
	}
	return inked, blue
}
