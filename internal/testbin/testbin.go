// SPDX-License-Identifier: GPL-2.0-only

// Package testbin builds the kfunccheck command once for the tests of a
// package that run it as a process (the hook under git, the bot killed
// mid-pass, NIPA's test, completion in a real shell).
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// startDir is the directory the test process started in, inside the
// module: tests may change directory (t.Chdir) before the first build.
var startDir, _ = os.Getwd()

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Build returns the built binary, building it on the first call.
func Build() (string, error) {
	once.Do(build)
	return path, err
}

// Path is Build for a test: a build that fails fails the test.
func Path(t testing.TB) string {
	t.Helper()
	p, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func build() {
	if dir, err = os.MkdirTemp("", "kfunccheck-bin"); err != nil {
		return
	}
	path = filepath.Join(dir, "kfunccheck")
	cmd := exec.Command("go", "build", "-o", path, "github.com/kfunccheck/kfunccheck/cmd/kfunccheck")
	cmd.Dir = startDir
	out, berr := cmd.CombinedOutput()
	if berr != nil {
		err = fmt.Errorf("building kfunccheck: %v\n%s", berr, out)
	}
}

// Main runs a package's tests and removes the binary after them: call it
// from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
