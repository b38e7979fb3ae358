// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// cliRepo reads a repository through the git command: the backend for
// SHA-256 repositories, which a go-git v5 binary built for SHA-1 cannot
// read (see the package documentation). It runs only local plumbing
// commands; none touches the network.
type cliRepo struct {
	l   *Layout
	sel Selector
}

func openCLI(l *Layout) (*cliRepo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("%s is a SHA-256 repository, which kfunccheck reads with the git command: %w", l.GitDir, err)
	}
	return &cliRepo{l: l}, nil
}

// safeConfig overrides, for every git command, the settings by which a
// repository's own configuration (untrusted: it came with the repository)
// or the user's would run programs: signature checks (gpg), the file
// system monitor, hooks, pagers, external diff and textconv drivers,
// credential helpers and transports. Command-line -c wins over every
// configuration file.
var safeConfig = []string{
	"-c", "log.showSignature=false",
	"-c", "gpg.program=false",
	"-c", "gpg.ssh.program=false",
	"-c", "gpg.x509.program=false",
	"-c", "core.fsmonitor=false",
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.pager=cat",
	"-c", "core.askPass=false",
	"-c", "credential.helper=",
	"-c", "diff.external=",
	"-c", "protocol.allow=never",
	"-c", "core.alternateRefsCommand=",
	"-c", "uploadpack.packObjectsHook=",
	"--no-pager",
}

// cleanEnv is the whole environment of a git command: none of the
// caller's GIT_* variables, no system or global configuration, no
// terminal prompt.
func (r *cliRepo) cleanEnv() []string {
	env := []string{
		"GIT_DIR=" + r.l.GitDir,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_ATTR_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_OPTIONAL_LOCKS=0",
		"GIT_PAGER=cat",
		"PAGER=cat",
		"HOME=" + os.DevNull,
		"LC_ALL=C",
	}
	if p, ok := os.LookupEnv("PATH"); ok {
		env = append(env, "PATH="+p)
	}
	return env
}

func (r *cliRepo) git(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append(append([]string(nil), safeConfig...), args...)...)
	cmd.Env = r.cleanEnv()
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (r *cliRepo) Close() error           { return nil }
func (r *cliRepo) ZeroID() string         { return strings.Repeat("0", 64) }
func (r *cliRepo) SetSelector(s Selector) { r.sel = s }
func (r *cliRepo) HasCommit(id string) bool {
	_, err := r.git(nil, "cat-file", "-e", id+"^{commit}")
	return err == nil
}
func fields(out []byte) []string { return strings.Fields(string(out)) }
func (r *cliRepo) Resolve(rev string) (string, error) {
	out, err := r.git(nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil || len(fields(out)) != 1 {
		return "", fmt.Errorf("revision %q: %w", rev, ErrNotFound)
	}
	return fields(out)[0], nil
}

func (r *cliRepo) Commit(id string) (*Commit, error) {
	out, err := r.git(nil, "log", "-1", "--no-show-signature", "--format=%H%x00%P%x00%ct%x00%s", "--end-of-options", id, "--")
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", id, ErrNotFound)
	}
	p := strings.SplitN(strings.TrimRight(string(out), "\n"), "\x00", 4)
	if len(p) != 4 {
		return nil, fmt.Errorf("commit %s: unexpected git log output", id)
	}
	t, _ := strconv.ParseInt(p[2], 10, 64)
	return &Commit{ID: p[0], Parents: strings.Fields(p[1]), Time: t, Subject: p[3]}, nil
}

func (r *cliRepo) RevList(include, exclude []string, limit int) ([]string, bool, error) {
	args := []string{"rev-list"}
	if limit > 0 {
		args = append(args, "--max-count="+strconv.Itoa(limit+1))
	}
	args = append(args, include...)
	if len(exclude) > 0 {
		args = append(append(args, "--not"), exclude...)
	}
	out, err := r.git(nil, append(args, "--")...)
	if err != nil {
		return nil, false, err
	}
	ids := fields(out)
	if limit > 0 && len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
}

func (r *cliRepo) MergeBases(a, b string) ([]string, error) {
	out, err := r.git(nil, "merge-base", "--all", a, b)
	if err != nil {
		return nil, err
	}
	return fields(out), nil
}

func (r *cliRepo) RefsWithPrefix(prefix string) ([]string, error) {
	out, err := r.git(nil, "for-each-ref", "--format=%(objectname) %(*objectname)", prefix)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		ids = append(ids, f[len(f)-1])
	}
	return ids, nil
}

func (r *cliRepo) Blob(id string) ([]byte, error) {
	if !validAbbrev(id) {
		return nil, fmt.Errorf("blob %q: %w (an object id of 4 to 64 hex digits)", id, ErrNotFound)
	}
	out, err := r.git(nil, "cat-file", "blob", id)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	}
	return out, nil
}

// FormatPatch asks git itself, with full index lines. Files are not
// filtered: kfunccheck ignores what it does not judge.
func (r *cliRepo) FormatPatch(id string) ([]byte, error) {
	out, err := r.git(nil, "format-patch", "--stdout", "-1", "--full-index", "--no-renames", "--no-ext-diff", "--no-textconv",
		"--signature=kfunccheck", "--end-of-options", id)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", id, err)
	}
	return out, nil
}
