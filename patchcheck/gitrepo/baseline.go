// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

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

// reopener is a Repository that can open itself again for a worker.
type reopener interface {
	reopen() (Repository, error)
}

// minPerWorker is the fewest commits worth a worker of its own.
const minPerWorker = 16

// Series renders the commits (oldest first) as patches and groups them as
// one series, the way a range of commits is sent. Rendering reads blobs
// and dominates the time of a long range, so it is spread over the CPUs,
// each worker with its own storage; the patches keep their order.
// Problems with one commit are recorded on its patch.
func Series(r Repository, ids []string, repoName string) *model.Series {
	data := make([][]byte, len(ids))
	errs := make([]error, len(ids))
	workers := min(runtime.GOMAXPROCS(0), 4, len(ids)/minPerWorker)
	ro, ok := r.(reopener)
	if !ok || workers < 2 {
		for i, id := range ids {
			data[i], errs[i] = r.FormatPatch(id)
		}
	} else {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wr := r
			if w > 0 {
				o, err := ro.reopen()
				if err != nil {
					wr = nil
				} else {
					wr = o
					defer o.Close()
				}
			}
			wg.Add(1)
			go func(w int, wr Repository) {
				defer wg.Done()
				for i := w; i < len(ids); i += workers {
					if wr == nil {
						errs[i] = fmt.Errorf("commit %s: could not open the repository again", ids[i])
						continue
					}
					data[i], errs[i] = wr.FormatPatch(ids[i])
				}
			}(w, wr)
		}
		wg.Wait()
	}
	s := &model.Series{Source: repoName, Version: 1}
	for i, id := range ids {
		p := &model.Patch{Source: repoName, Index: i + 1, Commit: id}
		if errs[i] == nil {
			p = mail.Parse(mail.NewRaw(data[i]), repoName, i+1)
		} else {
			p.Errors = append(p.Errors, errs[i])
		}
		data[i] = nil
		// A commit is not a mail: it has no recipients yet.
		p.Mail = false
		p.FromRepo = repoName
		s.Patches = append(s.Patches, p)
	}
	return s
}
