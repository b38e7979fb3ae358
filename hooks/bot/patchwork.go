// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
)

// Patchwork posts one check per patch to a patchwork instance (REST API
// 1.2): context kfunc_stability, state success, warning or fail.
type Patchwork struct {
	URL       string // e.g. https://patchwork.kernel.org
	Token     string // from a file or the environment, never a flag
	TargetURL string // where the check's details are (the list archive)
	// AllowHTTP lets the token go over plain http:// (a loopback or
	// otherwise trusted server, and only when the operator says so).
	AllowHTTP bool
	Client    *http.Client
}

// ErrPlainHTTP is returned instead of sending the token over plain HTTP.
var ErrPlainHTTP = errors.New("patchwork: refusing to send the API token over plain http:// (use https://, or allow it explicitly)")

// secure reports whether a request to u may carry the token.
func (pw *Patchwork) secure(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, "https") || pw.AllowHTTP && strings.EqualFold(u.Scheme, "http")
}

// Context is the patchwork check context kfunccheck posts under.
const Context = "kfunc_stability"

// client returns the HTTP client, which never follows a redirect that
// would carry the token to plain HTTP.
func (pw *Patchwork) client() *http.Client {
	c := &http.Client{Timeout: 30 * time.Second}
	if pw.Client != nil {
		cc := *pw.Client
		c = &cc
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !pw.secure(req.URL) {
			return ErrPlainHTTP
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("patchwork: too many redirects")
		}
		return nil
	}
	return c
}

// Report posts the check of one patch, unless the same state was posted
// before.
func (pw *Patchwork) Report(store *Store, r *patchcheck.Result, level model.Severity) error {
	msgID := r.Patch.Header.MessageID
	if msgID == "" {
		return nil
	}
	state, desc := "success", "no stable-kfunc process problem found"
	var n report.Counts
	for _, f := range r.Findings {
		n.Add(f)
	}
	switch {
	case n.Errors > 0:
		state, desc = "fail", fmt.Sprintf("%d error(s), %d warning(s): %s", n.Errors, n.Warnings, r.Findings[0].Rule)
	case n.Warnings > 0:
		state, desc = "warning", fmt.Sprintf("%d warning(s): %s", n.Warnings, r.Findings[0].Rule)
	}
	posted, err := store.PatchworkState(msgID)
	if err != nil {
		return err
	}
	if posted == state {
		return nil
	}
	id, err := pw.patchID(msgID)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"state": state, "target_url": pw.TargetURL, "context": Context, "description": desc})
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/api/1.2/patches/%d/checks/", strings.TrimRight(pw.URL, "/"), id), bytes.NewReader(body))
	if err != nil {
		return err
	}
	if !pw.secure(req.URL) {
		return ErrPlainHTTP
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Token "+pw.Token)
	resp, err := pw.client().Do(req)
	if err != nil {
		return fmt.Errorf("patchwork: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("patchwork: posting the check of %s: %s", msgID, resp.Status)
	}
	return store.SetPatchworkState(msgID, state)
}

// patchID finds the patchwork id of the patch with a Message-ID.
func (pw *Patchwork) patchID(msgID string) (int, error) {
	u := fmt.Sprintf("%s/api/1.2/patches/?msgid=%s", strings.TrimRight(pw.URL, "/"), url.QueryEscape(msgID))
	resp, err := pw.client().Get(u)
	if err != nil {
		return 0, fmt.Errorf("patchwork: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("patchwork: looking up %s: %s", msgID, resp.Status)
	}
	var list []struct {
		ID int `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return 0, fmt.Errorf("patchwork: %w", err)
	}
	if len(list) != 1 {
		return 0, fmt.Errorf("patchwork: %d patches with Message-ID %s", len(list), msgID)
	}
	return list[0].ID, nil
}
