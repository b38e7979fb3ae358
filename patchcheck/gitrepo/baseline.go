// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Baseline serves full pre-images from a repository: the blobs a patch's
// "index abc..def" lines name, abbreviated or not.
type Baseline struct {
	Repo Repository
	Name string // the repository, for messages
}

// PreImage returns the blob named by the patch for path.
func (b Baseline) PreImage(path, blob string) ([]byte, error) {
	if blob == "" || strings.Trim(blob, "0") == "" {
		return nil, fmt.Errorf("%s: the patch names no pre-image blob: %w", path, baseline.ErrUnavailable)
	}
	data, err := b.Repo.Blob(blob)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("pre-image blob %s of %s is not in %s: %w", blob, path, b.Name, baseline.ErrMissing)
	}
	return data, err
}

// Stable is not known from a repository alone: its files carry KF_STABLE.
func (Baseline) Stable(string) (string, bool) { return "", false }

// Describe names the repository.
func (b Baseline) Describe() string { return "git repository " + b.Name }

// Series renders the commits (oldest first) as patches and groups them as
// one series, the way a range of commits is sent. Problems with one commit
// are recorded on its patch.
func Series(r Repository, ids []string, repoName string) *model.Series {
	s := &model.Series{Source: repoName, Version: 1}
	for i, id := range ids {
		data, err := r.FormatPatch(id)
		p := &model.Patch{Source: repoName, Index: i + 1, Commit: id}
		if err == nil {
			first, rest, _ := strings.Cut(string(data), "\n")
			p = mail.Parse(&mail.Raw{Data: []byte(rest), FromLine: first, StartLine: 1}, repoName, i+1)
		} else {
			p.Errors = append(p.Errors, err)
		}
		// A commit is not a mail: it has no recipients yet.
		p.Mail = false
		p.FromRepo = repoName
		s.Patches = append(s.Patches, p)
	}
	return s
}
