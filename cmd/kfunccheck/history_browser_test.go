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
	Visible   []string `json:"visible"`
	Count     string   `json:"count"`
	Detail    string   `json:"detail"`
	DetailTxt string   `json:"detailText"`
	Cells     []string `json:"cells"`
	Requests  int      `json:"requests"`
}

const readPage = `(() => {
  const rows = [...document.querySelectorAll('#matrix tbody tr')].filter(r => r.offsetParent !== null);
  const d = document.getElementById('detail');
  return {
    visible: rows.map(r => r.dataset.name),
    count: document.getElementById('count').textContent,
    detail: d.hidden ? '' : d.dataset.kfunc,
    detailText: d.hidden ? '' : d.innerText,
    cells: rows.length ? [...rows[0].querySelectorAll('td.cell')].map(c => c.className.replace('cell state-', '')) : [],
    requests: performance.getEntriesByType('resource').length,
  };
})()`

// TestHistoryPageInBrowser loads the evolution's history page from
// file:// in headless Chromium, uses the search, the filters and the
// detail view as a reader would, and checks what is visible.
func TestHistoryPageInBrowser(t *testing.T) {
	repo, _, _ := evoRepo(t)
	page := filepath.Join(t.TempDir(), "history.html")
	if _, stderr, code := runCLI(t, "", "history", "--format", "html", "-o", page, "--uses", "../../patchcheck/btfinfo/testdata/prog.bpf.o", "--repo", repo, "v6.1", "v6.12"); code != 0 {
		t.Fatalf("history --format html: exit %d: %s", code, stderr)
	}
	c := startChromium(t)
	if err := c.call("Page.navigate", map[string]any{"url": "file://" + page}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ready string
		c.eval(t, `document.readyState + (document.getElementById('count') ? document.getElementById('count').textContent : '')`, &ready)
		if strings.HasPrefix(ready, "complete") && strings.Contains(ready, "kfuncs") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("page not ready: %q", ready)
		}
		time.Sleep(100 * time.Millisecond)
	}
	state := func() pageState {
		t.Helper()
		var s pageState
		c.eval(t, readPage, &s)
		return s
	}
	setValue := func(id, v string) {
		t.Helper()
		b, _ := json.Marshal(v)
		c.eval(t, `(() => { const e = document.getElementById('`+id+`'); e.value = `+string(b)+`; e.dispatchEvent(new Event('change')); return e.value; })()`, nil)
	}

	s := state()
	if len(s.Visible) != 226 || s.Count != "226 of 226 kfuncs" || s.Requests != 0 {
		t.Fatalf("initial page: %d rows visible, count %q, %d network requests; want 226, 0", len(s.Visible), s.Count, s.Requests)
	}

	// The search, typed as a user types.
	c.eval(t, `document.getElementById('search').focus()`, nil)
	if err := c.call("Input.insertText", map[string]any{"text": "bpf_task_ac"}, nil); err != nil {
		t.Fatal(err)
	}
	s = state()
	if strings.Join(s.Visible, " ") != "bpf_task_acquire" || s.Count != "1 of 226 kfuncs" {
		t.Errorf("search bpf_task_ac: visible %v, count %q", s.Visible, s.Count)
	}
	if strings.Join(s.Cells, " ") != "absent new" {
		t.Errorf("bpf_task_acquire cells %v, want absent new", s.Cells)
	}

	// A real click on the row opens its detail view.
	var box struct{ X, Y float64 }
	c.eval(t, `(() => { const r = document.querySelector('#matrix tbody tr[data-name="bpf_task_acquire"] td.name').getBoundingClientRect(); return {X: r.x + 5, Y: r.y + r.height / 2}; })()`, &box)
	for _, typ := range []string{"mousePressed", "mouseReleased"} {
		if err := c.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	s = state()
	if s.Detail != "bpf_task_acquire" || !strings.Contains(s.DetailTxt, "struct task_struct *bpf_task_acquire(struct task_struct *p)") ||
		!strings.Contains(s.DetailTxt, "KF_RCU") || !strings.Contains(s.DetailTxt, "BPF_PROG_TYPE_TRACING") || !strings.Contains(s.DetailTxt, "kernel/bpf/helpers.c:") {
		t.Errorf("detail view: %q:\n%s", s.Detail, s.DetailTxt)
	}

	// The search also finds kfuncs by file.
	setValue("search", "net/ipv4/tcp_bbr.c")
	s = state()
	if strings.Join(s.Visible, " ") != "bbr_cwnd_event bbr_init bbr_main bbr_min_tso_segs bbr_set_state bbr_sndbuf_expand bbr_ssthresh bbr_undo_cwnd" {
		t.Errorf("search by file: %v", s.Visible)
	}

	// Filters: the search cleared, changed only and a subsystem.
	setValue("search", "")
	c.eval(t, `(() => { const e = document.getElementById('changed'); e.click(); return e.checked; })()`, nil)
	s = state()
	if len(s.Visible) != 185-1 { // 185 changes, crash_kexec has two
		t.Errorf("changed only: %d visible, want 184", len(s.Visible))
	}
	setValue("subsystem", "net/ipv4")
	s = state()
	if !slices.Contains(s.Visible, "bbr_main") || slices.Contains(s.Visible, "tcp_slow_start") || slices.Contains(s.Visible, "bpf_task_acquire") {
		t.Errorf("changed in net/ipv4 (want bbr_main, not the unchanged tcp_slow_start nor kernel/bpf's bpf_task_acquire): %v", s.Visible)
	}
	setValue("subsystem", "")
	c.eval(t, `(() => { const e = document.getElementById('changed'); e.click(); return e.checked; })()`, nil)
	setValue("progtype", "BPF_PROG_TYPE_XDP")
	setValue("flag", "KF_TRUSTED_ARGS")
	s = state()
	got := strings.Join(s.Visible, " ")
	if !strings.Contains(got, "bpf_xdp_metadata_rx_hash") || strings.Contains(got, "bpf_task_acquire") || len(s.Visible) == 0 {
		t.Errorf("XDP and KF_TRUSTED_ARGS: %v", s.Visible)
	}

	// The compatibility matrix of the program is shown: it loads on
	// neither release.
	var compat []string
	c.eval(t, `[...document.querySelectorAll('#compat table.compat tr')].filter(r => r.offsetParent !== null).map(r => r.innerText.replace(/\s+/g, ' ').trim())`, &compat)
	if len(compat) != 3 || !strings.HasPrefix(compat[1], "v6.1 no bpf_cast_to_kern_ctx") || !strings.HasPrefix(compat[2], "v6.12 no bpf_gone_for_good") {
		t.Errorf("compatibility matrix: %q", compat)
	}

	if shot := os.Getenv("KFUNCCHECK_SCREENSHOT"); shot != "" {
		setValue("progtype", "")
		setValue("flag", "")
		setValue("subsystem", "net/ipv4")
		c.eval(t, `(() => { document.querySelector('#matrix tbody tr[data-name="bbr_main"] td.name').click(); window.scrollTo(0, 0); return 1; })()`, nil)
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
		if err := os.WriteFile(shot, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
