// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The browser test drives headless Chromium through the DevTools
// protocol, over a websocket spoken with the standard library only (a
// client needs the handshake and unfragmented text frames, no more), so
// that the test adds no dependency.

// cdp is a DevTools protocol session with one page.
type cdp struct {
	conn net.Conn
	r    *bufio.Reader
	id   int
}

// dialCDP opens a websocket to a DevTools endpoint (ws://host:port/path).
func dialCDP(wsURL string) (*cdp, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return nil, err
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	return &cdp{conn: conn, r: r}, nil
}

// send writes one masked text frame, as a client must.
func (c *cdp) send(payload []byte) error {
	hdr := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := make([]byte, 4)
	if _, err := rand.Read(mask); err != nil {
		return err
	}
	hdr = append(hdr, mask...)
	body := make([]byte, len(payload))
	for i, b := range payload {
		body[i] = b ^ mask[i%4]
	}
	_, err := c.conn.Write(append(hdr, body...))
	return err
}

// recv reads one message, joining continuation frames and skipping
// control frames.
func (c *cdp) recv() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return nil, err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.r, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.r, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 64<<20 {
			return nil, errors.New("websocket frame too large")
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(c.r, data); err != nil {
			return nil, err
		}
		switch op := h[0] & 0x0f; op {
		case 0x8:
			return nil, errors.New("websocket closed")
		case 0x9, 0xa:
			continue
		}
		msg = append(msg, data...)
		if h[0]&0x80 != 0 {
			return msg, nil
		}
	}
}

// call sends a command and waits for its answer, skipping events.
func (c *cdp) call(method string, params any, result any) error {
	c.id++
	b, err := json.Marshal(map[string]any{"id": c.id, "method": method, "params": params})
	if err != nil {
		return err
	}
	if err := c.send(b); err != nil {
		return err
	}
	c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		m, err := c.recv()
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(m, &resp); err != nil {
			return err
		}
		if resp.ID != c.id {
			continue
		}
		if resp.Error != nil {
			return fmt.Errorf("%s: %s", method, resp.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(resp.Result, result)
		}
		return nil
	}
}

// eval evaluates a JavaScript expression in the page and decodes its
// value into out.
func (c *cdp) eval(t *testing.T, expr string, out any) {
	t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Exception != nil {
		t.Fatalf("%s: %s %s", expr, res.Exception.Text, res.Exception.Exception.Description)
	}
	if out != nil {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			t.Fatalf("%s: %v (%s)", expr, err, res.Result.Value)
		}
	}
}

// startChromium starts headless Chromium and returns a session with its
// first page; the test is skipped when Chromium is absent or cannot
// start.
func startChromium(t *testing.T) *cdp {
	t.Helper()
	var bin string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no Chromium found (Debian: apt-get install chromium); the page's browser test needs it")
	}
	// The profile is removed by hand after Chromium and its helper
	// processes are gone: they write to it until they exit, which a
	// t.TempDir cleanup can race.
	profile, err := os.MkdirTemp("", "kfunccheck-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0", "--window-size=1400,1000",
		"--user-data-dir="+profile, "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("Chromium (%s) cannot start: %v", bin, err)
	}
	t.Cleanup(func() {
		// The whole process group: the browser and its renderers.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		for i := 0; i < 50; i++ {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
		sc := bufio.NewScanner(stderr)
		var lines []string
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				io.Copy(io.Discard, stderr)
				return
			}
			lines = append(lines, sc.Text())
		}
		found <- "error: " + strings.Join(lines, "\n")
	}()
	var ws string
	select {
	case ws = <-found:
	case <-time.After(30 * time.Second):
		t.Skip("Chromium did not open its DevTools endpoint within 30 s")
	}
	if strings.HasPrefix(ws, "error: ") {
		t.Skipf("Chromium (%s) cannot start:\n%s", bin, ws)
	}
	u, _ := url.Parse(ws)
	resp, err := http.Get("http://" + u.Host + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&targets); err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if tg.Type == "page" {
			c, err := dialCDP(tg.WS)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.conn.Close() })
			return c
		}
	}
	t.Fatalf("no page among Chromium's targets: %+v", targets)
	return nil
}

// pageState is what the test reads of the page.
type pageState struct {
	Visible  []string `json:"visible"`
	Count    string   `json:"count"`
	Open     string   `json:"open"`
	OpenText string   `json:"openText"`
	OpenTop  float64  `json:"openTop"`
	Height   float64  `json:"height"`
	Focus    string   `json:"focus"`
	Cells    []string `json:"cells"`
	Requests int      `json:"requests"`
}

const readPage = `(() => {
  const rows = [...document.querySelectorAll('#kc-matrix tbody tr')].filter(r => r.offsetParent !== null);
  const id = decodeURIComponent(location.hash.slice(1));
  const art = id && document.getElementById(id);
  const open = art && art.classList.contains('kfunc') && art.getClientRects().length > 0 ? art : null;
  const f = document.activeElement;
  return {
    visible: rows.map(r => r.dataset.name),
    count: (document.getElementById('kc-count') || {}).textContent || '',
    open: open ? open.id : '',
    openText: open ? open.innerText : '',
    openTop: open ? open.getBoundingClientRect().top : -1,
    height: window.innerHeight,
    focus: f ? (f.id || (f.closest('tr') ? 'row:' + f.closest('tr').dataset.name : f.tagName)) : '',
    cells: rows.length ? [...rows[0].querySelectorAll('td.cell')].map(c => c.className.replace('cell s-', '')) : [],
    requests: performance.getEntriesByType('resource').length,
  };
})()`

// TestHistoryPageInBrowser loads the evolution's history page from
// file:// in headless Chromium and uses it as a reader would: the search
// typed, a real click on a kfunc (its contract opens where the reader
// looks, at its own #anchor), a walk with the keyboard only, the filters
// ("callable from LSM on v6.1"), and the page with JavaScript off.
// KFUNCCHECK_SCREENSHOT_DIR=DIR saves screenshots at two widths there.
func TestHistoryPageInBrowser(t *testing.T) {
	repo, _, _ := evoRepo(t)
	page := filepath.Join(t.TempDir(), "history.html")
	if _, stderr, code := runCLI(t, "", "history", "--format", "html", "-o", page, "--uses", "../../patchcheck/btfinfo/testdata/prog.bpf.o", "--repo", repo, "v6.1", "v6.12"); code != 0 {
		t.Fatalf("history --format html: exit %d: %s", code, stderr)
	}
	c := startChromium(t)
	shots := os.Getenv("KFUNCCHECK_SCREENSHOT_DIR")
	shot := func(name string, width int) {
		t.Helper()
		if shots == "" {
			return
		}
		if err := c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
			t.Fatal(err)
		}
		var img struct {
			Data string `json:"data"`
		}
		if err := c.call("Page.captureScreenshot", map[string]any{"format": "png"}, &img); err != nil {
			t.Fatal(err)
		}
		data, err := base64.StdEncoding.DecodeString(img.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	load := func(url string) {
		t.Helper()
		if err := c.call("Page.navigate", map[string]any{"url": url}, nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			var ready string
			c.eval(t, `document.readyState + ' ' + document.querySelectorAll('#kc-matrix tbody tr').length`, &ready)
			if ready == "complete 226" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("page not ready: %q", ready)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	state := func() pageState {
		t.Helper()
		var s pageState
		c.eval(t, readPage, &s)
		return s
	}
	key := func(k, code string, vk int) {
		t.Helper()
		for _, typ := range []string{"keyDown", "keyUp"} {
			ev := map[string]any{"type": typ, "key": k, "code": code, "windowsVirtualKeyCode": vk}
			if typ == "keyDown" && len(k) == 1 {
				ev["text"] = k
			}
			if err := c.call("Input.dispatchKeyEvent", ev, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	click := func(selector string) {
		t.Helper()
		var box struct{ X, Y float64 }
		c.eval(t, `(() => { const e = document.querySelector(`+"`"+selector+"`"+`); e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); return {X: r.x + 5, Y: r.y + r.height / 2}; })()`, &box)
		for _, typ := range []string{"mousePressed", "mouseReleased"} {
			if err := c.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	setValue := func(id, v string) {
		t.Helper()
		b, _ := json.Marshal(v)
		c.eval(t, `(() => { const e = document.getElementById('`+id+`'); e.value = `+string(b)+`; e.dispatchEvent(new Event('change')); return e.value; })()`, nil)
	}

	load("file://" + page)
	s := state()
	if len(s.Visible) != 226 || s.Count != "226 of 226 kfuncs" || s.Requests != 0 {
		t.Fatalf("initial page: %d rows visible, count %q, %d network requests; want 226, 0", len(s.Visible), s.Count, s.Requests)
	}
	shot("page-1400.png", 1400)
	shot("page-420.png", 420)
	c.call("Emulation.clearDeviceMetricsOverride", nil, nil)

	// The search, typed as a user types.
	c.eval(t, `document.getElementById('kc-search').focus()`, nil)
	if err := c.call("Input.insertText", map[string]any{"text": "bpf_task_ac"}, nil); err != nil {
		t.Fatal(err)
	}
	s = state()
	if strings.Join(s.Visible, " ") != "bpf_task_acquire" || s.Count != "1 of 226 kfuncs" || strings.Join(s.Cells, " ") != "absent new" {
		t.Errorf("search bpf_task_ac: visible %v, count %q, cells %v", s.Visible, s.Count, s.Cells)
	}

	// A real click opens the contract at its anchor, in view.
	click(`#row-bpf_task_acquire a`)
	time.Sleep(200 * time.Millisecond)
	s = state()
	var hash string
	c.eval(t, `location.hash`, &hash)
	if hash != "#bpf_task_acquire" || s.Open != "bpf_task_acquire" || s.OpenTop < 0 || s.OpenTop > s.Height/2 ||
		!strings.Contains(s.OpenText, "struct task_struct *bpf_task_acquire(struct task_struct *p)") ||
		!strings.Contains(s.OpenText, "KF_RCU") || !strings.Contains(s.OpenText, "LSM") || !strings.Contains(s.OpenText, "kernel/bpf/helpers.c:") {
		t.Errorf("click: hash %q, open %q at %v of %v:\n%s", hash, s.Open, s.OpenTop, s.Height, s.OpenText)
	}
	shot("bpf_task_acquire-1400.png", 1400)
	shot("bpf_task_acquire-420.png", 420)
	c.call("Emulation.clearDeviceMetricsOverride", nil, nil)

	// The keyboard alone: Escape closes and gives the focus back to the
	// kfunc; / searches; j walks the kfuncs; Enter opens one.
	key("Escape", "Escape", 27)
	s = state()
	if s.Open != "" || s.Focus != "row:bpf_task_acquire" {
		t.Errorf("Escape: open %q, focus %q", s.Open, s.Focus)
	}
	key("/", "Slash", 191)
	s = state()
	if s.Focus != "kc-search" {
		t.Errorf("/: focus %q", s.Focus)
	}
	c.eval(t, `(() => { const e = document.getElementById('kc-search'); e.value = 'bbr_'; e.dispatchEvent(new Event('input')); e.blur(); return 1; })()`, nil)
	key("j", "KeyJ", 74)
	key("j", "KeyJ", 74)
	key("ArrowDown", "ArrowDown", 40)
	s = state()
	if s.Focus != "row:bbr_main" {
		t.Errorf("j j ArrowDown from the search: focus %q, want bbr_main (visible %v)", s.Focus, s.Visible)
	}
	key("Enter", "Enter", 13)
	time.Sleep(200 * time.Millisecond)
	s = state()
	if s.Open != "bbr_main" || !strings.Contains(s.OpenText, "u32 ack") || s.Focus != "h-bbr_main" {
		t.Errorf("Enter: open %q, focus %q", s.Open, s.Focus)
	}
	key("Escape", "Escape", 27)

	// Filters: changed only, a subsystem, and what an LSM program can
	// call on 6.1 (a set registered for TRACING is, one hook).
	setValue("kc-search", "")
	c.eval(t, `document.getElementById('kc-changed').click()`, nil)
	s = state()
	if len(s.Visible) != 185-1 { // 185 changes, crash_kexec has two
		t.Errorf("changed only: %d visible, want 184", len(s.Visible))
	}
	setValue("kc-subsystem", "net/ipv4")
	s = state()
	if !slices.Contains(s.Visible, "bbr_main") || slices.Contains(s.Visible, "tcp_slow_start") || slices.Contains(s.Visible, "bpf_task_acquire") {
		t.Errorf("changed in net/ipv4: %v", s.Visible)
	}
	setValue("kc-subsystem", "")
	c.eval(t, `document.getElementById('kc-changed').click()`, nil)
	setValue("kc-progtype", "BPF_PROG_TYPE_LSM")
	setValue("kc-release", "0")
	s = state()
	if !slices.Contains(s.Visible, "bpf_lookup_user_key") || slices.Contains(s.Visible, "bpf_task_acquire") || slices.Contains(s.Visible, "bbr_main") {
		t.Errorf("callable from LSM on v6.1: %v", s.Visible)
	}
	setValue("kc-release", "1")
	s = state()
	if !slices.Contains(s.Visible, "bpf_task_acquire") {
		t.Errorf("callable from LSM on v6.12: %v", s.Visible)
	}
	setValue("kc-progtype", "")
	setValue("kc-release", "")

	// The compatibility matrix: the program loads on neither release.
	var compat []string
	c.eval(t, `[...document.querySelectorAll('#kc-compat table.compat tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ').trim())`, &compat)
	if len(compat) != 2 || !strings.HasPrefix(compat[0], "v6.1 no bpf_cast_to_kern_ctx") || !strings.HasPrefix(compat[1], "v6.12 no bpf_gone_for_good") {
		t.Errorf("compatibility matrix: %q", compat)
	}

	// JavaScript off: the table is there, the controls are not, and a
	// kfunc's anchor opens its contract.
	if err := c.call("Emulation.setScriptExecutionDisabled", map[string]any{"value": true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.call("Page.navigate", map[string]any{"url": "about:blank"}, nil); err != nil {
		t.Fatal(err)
	}
	load("file://" + page + "#bbr_main")
	s = state()
	var controls bool
	c.eval(t, `document.getElementById('kc-controls').offsetParent !== null`, &controls)
	if len(s.Visible) != 226 || controls || s.Open != "bbr_main" || !strings.Contains(s.OpenText, "u32 ack") || s.OpenTop < 0 || s.OpenTop > s.Height/2 {
		t.Errorf("without JavaScript: %d rows, controls shown %v, open %q at %v", len(s.Visible), controls, s.Open, s.OpenTop)
	}
	shot("nojs-bbr_main-1400.png", 1400)
}

// TestHostilePagesInBrowser loads the pages of hostile histories in
// Chromium: 800 tags over 200 kfuncs, and a 6,000-parameter prototype
// changed (13 s and 4.9 GB before the page was bounded). Each must be
// ready within seconds and a bounded script heap.
func TestHostilePagesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var files [][]byte
	for i := range 800 {
		files = append(files, kfuncFile(200, i, "struct task_struct *p, u64 flags"))
	}
	many := fastImport(t, files, "")
	var ps [2][]string
	for i := range 6000 {
		ps[0] = append(ps[0], fmt.Sprintf("u%d a%d", 32+32*(i%2), i))
		ps[1] = append(ps[1], fmt.Sprintf("u%d a%d", 64-32*(i%2), i))
	}
	wide := fastImport(t, [][]byte{kfuncFile(1, 0, strings.Join(ps[0], ", ")), kfuncFile(1, 0, strings.Join(ps[1], ", "))}, "")
	dir := t.TempDir()
	c := startChromium(t)
	if err := c.call("Performance.enable", map[string]any{}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, repo, anchor string }{{"many", many, "bpf_k7"}, {"wide", wide, "bpf_k0"}} {
		page := filepath.Join(dir, tc.name+".html")
		if _, stderr, code := runCLI(t, "", "history", "--format", "html", "-o", page, "--repo", tc.repo, "v1.*"); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr)
		}
		start := time.Now()
		if err := c.call("Page.navigate", map[string]any{"url": "file://" + page + "#" + tc.anchor}, nil); err != nil {
			t.Fatal(err)
		}
		for {
			var ready string
			c.eval(t, `document.readyState + ' ' + !!(document.getElementById('kc-count') || {}).textContent`, &ready)
			if ready == "complete true" {
				break
			}
			if time.Since(start) > 60*time.Second {
				t.Fatalf("%s: not ready: %q", tc.name, ready)
			}
			time.Sleep(50 * time.Millisecond)
		}
		took := time.Since(start)
		var m struct {
			Metrics []struct {
				Name  string  `json:"name"`
				Value float64 `json:"value"`
			} `json:"metrics"`
		}
		if err := c.call("Performance.getMetrics", map[string]any{}, &m); err != nil {
			t.Fatal(err)
		}
		heap := 0.0
		for _, x := range m.Metrics {
			if x.Name == "JSHeapUsedSize" {
				heap = x.Value / (1 << 20)
			}
		}
		var open bool
		c.eval(t, `document.getElementById('`+tc.anchor+`').getClientRects().length > 0`, &open)
		st, _ := os.Stat(page)
		t.Logf("%s: %d bytes, ready in %v, %.0f MB of script heap, #%s open %v", tc.name, st.Size(), took.Round(time.Millisecond), heap, tc.anchor, open)
		if took > 15*time.Second || heap > 200 || !open {
			t.Errorf("%s: %v, %.0f MB, open %v", tc.name, took, heap, open)
		}
	}
}
