// SPDX-License-Identifier: GPL-2.0-only

// Package b4ctx finds the series a patch that b4 pipes to a check command
// belongs to. b4 runs per-patch checks one message at a time, on stdin,
// with the repository's top directory as the working directory, so
// series rules can only fire if the check finds the rest of the series
// itself: in the prep branch (b4 prep --check) or in the review branch
// the tracking file names (b4 review checks).
//
// The protocol facts relied on come from b4's source (src/b4/ez.py,
// src/b4/review/_review.py, src/b4/review/checks.py,
// src/b4/review_tui/_common.py, src/b4/__init__.py); each is noted where
// it is used. Nothing here runs b4.
package b4ctx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Markers b4 writes into the commit message of its tracking commits,
// before the JSON that describes the series.
const (
	// PrepMarker starts the tracking JSON of a b4 prep cover commit
	// (ez.py, MAGIC_MARKER; make_magic_json writes the marker, a "#"
	// comment line, then the JSON).
	PrepMarker = "--- b4-submit-tracking ---"
	// ReviewMarker starts the tracking JSON of a b4 review branch's tip
	// commit (review/_review.py, REVIEW_MAGIC_MARKER).
	ReviewMarker = "--- b4-review-tracking ---"
	// ReviewBranchPrefix names review branches: b4/review/<change-id>
	// (review/_review.py, REVIEW_BRANCH_PREFIX).
	ReviewBranchPrefix = "b4/review/"
	// TrackingEnv is the variable through which b4's review checks get
	// the review branch's tracking data, dumped to a temporary JSON file
	// (review_tui/_common.py, _fetch_and_check; set only when the branch
	// b4/review/<change-id> exists).
	TrackingEnv = "B4_TRACKING_FILE"
)

// Series is a series b4 manages in a repository.
type Series struct {
	// Kind is "prep" (a b4 prep branch) or "review" (a b4 review branch).
	Kind string
	// Dir is the repository's top directory.
	Dir string
	// Branch holds the series.
	Branch string
	// Base is the commit the series applies to.
	Base string
	// Commits are the series' patches, oldest first, without b4's
	// tracking commit.
	Commits []string
	// ChangeID is b4's change-id of the series.
	ChangeID string
}

// Find returns the series b4 is checking from dir: the review branch the
// tracking file in getenv(TrackingEnv) names, else the b4 prep series of
// the checked-out branch. It returns nil without error when dir is in no
// b4 context.
func Find(dir string, getenv func(string) string) (*Series, error) {
	if f := getenv(TrackingEnv); f != "" {
		return Review(dir, f)
	}
	return Prep(dir)
}

// tracking is the part of b4's tracking JSON this package reads.
type tracking struct {
	Series struct {
		ChangeID string `json:"change-id"`
		// BaseBranch is written by b4 prep for the cover strategies
		// other than "commit" (ez.py, start_new_series).
		BaseBranch string `json:"base-branch"`
		// BaseCommit and FirstPatchCommit are written for review
		// branches (review/_review.py, create_review_branch): the
		// commits from FirstPatchCommit to the branch's tip excluded
		// are the series; those between BaseCommit and it are
		// prerequisites.
		BaseCommit       string `json:"base-commit"`
		FirstPatchCommit string `json:"first-patch-commit"`
	} `json:"series"`
}

// parseTracking reads the JSON after marker in a tracking commit message.
// b4 prep reads it from the first "{" after the marker (ez.py, load_cover);
// b4 review drops "#" lines (review/_review.py, load_tracking): the first
// "{" serves both.
func parseTracking(msg, marker string) (*tracking, error) {
	_, after, ok := strings.Cut(msg, marker)
	if !ok {
		return nil, fmt.Errorf("no %q in the tracking commit", marker)
	}
	i := strings.IndexByte(after, '{')
	if i < 0 {
		return nil, fmt.Errorf("no tracking JSON after %q", marker)
	}
	var t tracking
	if err := json.Unmarshal([]byte(after[i:]), &t); err != nil {
		return nil, fmt.Errorf("tracking JSON: %w", err)
	}
	return &t, nil
}

// git runs git in dir and returns its trimmed standard output.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// revList returns the non-merge commits of a range, oldest first, as b4
// lists a prep series (__init__.py, git_range_to_patches: rev-list
// --no-merges --reverse start..end).
func revList(dir, rng string) ([]string, error) {
	out, err := git(dir, "rev-list", "--no-merges", "--reverse", rng)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// errNoContext marks a directory that is in no b4 context.
var errNoContext = errors.New("no b4 context")

// topBranch returns the top directory of the repository at dir and its
// checked-out branch.
func topBranch(dir string) (string, string, error) {
	top, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", "", errNoContext
	}
	branch, err := git(dir, "symbolic-ref", "--short", "-q", "HEAD")
	if err != nil || branch == "" {
		// b4 prep refuses to work on a detached HEAD (ez.py,
		// find_cover_commit).
		return top, "", errNoContext
	}
	return top, branch, nil
}

// Prep returns the b4 prep series of the branch checked out in the
// repository at dir, or nil when the branch is not a prep branch. b4 prep
// --check runs its per-patch commands from the top directory
// (__init__.py, LoreMessage.run_local_check: rundir=git_get_toplevel()),
// so dir is the current directory of the check.
func Prep(dir string) (*Series, error) {
	top, branch, err := topBranch(dir)
	if err != nil {
		return nil, nil
	}
	// The cover strategy: branch.<name>.b4-prep-cover-strategy, else
	// b4.prep-cover-strategy, else "commit" (ez.py, get_cover_strategy).
	strategy, _ := git(top, "config", "--get", "branch."+branch+".b4-prep-cover-strategy")
	if strategy == "" {
		strategy, _ = git(top, "config", "--get", "b4.prep-cover-strategy")
	}
	if strategy == "" {
		strategy = "commit"
	}
	s := &Series{Kind: "prep", Dir: top, Branch: branch}
	var start, end string
	switch strategy {
	case "commit", "tip-commit":
		// The cover commit is the newest commit of the branch whose
		// message holds the marker, committed by the user in the last
		// year (ez.py, find_cover_commit): a cover letter that slipped
		// into a shared tree must not make its whole history a series.
		args := []string{"log", "--grep", PrepMarker, "-F", "--format=%H", "--max-count=1", "--since=1.year", "--no-mailmap"}
		if email, _ := git(top, "config", "--get", "user.email"); email != "" {
			args = append(args, "--committer="+email)
		}
		cover, err := git(top, append(args, branch, "--")...)
		if err != nil || cover == "" {
			return nil, nil
		}
		msg, err := git(top, "show", "-s", "--format=%B", cover)
		if err != nil {
			return nil, err
		}
		t, err := parseTracking(msg, PrepMarker)
		if err != nil {
			return nil, fmt.Errorf("b4 prep cover commit %.12s: %w", cover, err)
		}
		s.ChangeID = t.Series.ChangeID
		if strategy == "commit" {
			// The cover commit opens the series; the base is its
			// parent, and the patches follow it up to the branch's tip
			// (ez.py, get_series_range and get_series_start).
			start, end = cover, branch
			if s.Base, err = git(top, "rev-parse", cover+"~1"); err != nil {
				return nil, err
			}
		} else {
			// The cover commit closes the series, which starts at the
			// fork point with the base branch (ez.py, get_series_start
			// and get_series_range).
			if start, err = forkPoint(top, t.Series.BaseBranch, branch); err != nil {
				return nil, err
			}
			s.Base, end = start, cover+"~1"
		}
	case "branch-description":
		// The tracking JSON is the branch's b4-tracking configuration
		// (ez.py, load_cover).
		raw, _ := git(top, "config", "--get", "branch."+branch+".b4-tracking")
		if raw == "" {
			return nil, nil
		}
		var t tracking
		if err := json.Unmarshal([]byte(raw), &t); err != nil {
			return nil, fmt.Errorf("branch.%s.b4-tracking: %w", branch, err)
		}
		s.ChangeID = t.Series.ChangeID
		if start, err = forkPoint(top, t.Series.BaseBranch, branch); err != nil {
			return nil, err
		}
		s.Base, end = start, branch
	default:
		return nil, fmt.Errorf("unknown b4 prep cover strategy %q", strategy)
	}
	if s.Commits, err = revList(top, start+".."+end); err != nil {
		return nil, err
	}
	return s, nil
}

// forkPoint finds where branch left base, as b4 does (ez.py,
// get_base_forkpoint: merge-base --fork-point, else merge-base).
func forkPoint(dir, base, branch string) (string, error) {
	if base == "" {
		return "", errors.New("the b4 tracking data names no base-branch")
	}
	if fp, err := git(dir, "merge-base", "--fork-point", base); err == nil && fp != "" {
		return fp, nil
	}
	fp, err := git(dir, "merge-base", branch, base)
	if err != nil || fp == "" {
		return "", fmt.Errorf("no common ancestor of %s and %s", branch, base)
	}
	return fp, nil
}

// Review returns the series of the b4 review branch that the tracking
// file (the JSON b4 writes for B4_TRACKING_FILE) describes, in the
// repository at dir. b4 runs review checks from the repository's top
// directory (review/checks.py, _run_external_cmd: rundir=topdir).
func Review(dir, file string) (*Series, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TrackingEnv, err)
	}
	var t tracking
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s %s: %w", TrackingEnv, file, err)
	}
	ts := t.Series
	if ts.ChangeID == "" || ts.FirstPatchCommit == "" {
		return nil, fmt.Errorf("%s %s: no series change-id or first-patch-commit", TrackingEnv, file)
	}
	top, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	s := &Series{Kind: "review", Dir: top, Branch: ReviewBranchPrefix + ts.ChangeID, ChangeID: ts.ChangeID}
	// The branch is base, prerequisites, the patches, then the tracking
	// commit at the tip: the patches are first-patch-commit~1..branch~1
	// (review/_review.py, get_review_info).
	if s.Base, err = git(top, "rev-parse", ts.FirstPatchCommit+"~1"); err != nil {
		return nil, err
	}
	tip := "refs/heads/" + s.Branch
	msg, err := git(top, "show", "-s", "--format=%B", tip)
	if err != nil {
		return nil, fmt.Errorf("review branch %s: %w", s.Branch, err)
	}
	if !strings.Contains(msg, ReviewMarker) {
		return nil, fmt.Errorf("review branch %s: its tip is not a b4 review tracking commit", s.Branch)
	}
	if s.Commits, err = revList(top, s.Base+".."+tip+"~1"); err != nil {
		return nil, err
	}
	return s, nil
}

// TopDir returns the top directory of the work tree dir is in, or "".
func TopDir(dir string) string {
	top, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return ""
	}
	return top
}
