// SPDX-License-Identifier: GPL-2.0-only

// Command kfunccheck guards the stability contract of BPF kfuncs in Linux
// kernel patches: it finds every change a patch makes to a kfunc's
// contract (KF_STABLE, KF_DEPRECATED, other KF_* flags, the __bpf_kfunc
// prototype) and checks it against the stable-kfunc process.
//
// Usage:
//
//	kfunccheck check [flags] [PATH|-]...
//	kfunccheck explain RULE_ID | --list
//	kfunccheck hook install|uninstall|pre-push|pre-commit
//	kfunccheck bot run|once|status|check-config
//	kfunccheck btf list|diff|uses|compat
//	kfunccheck history [flags] (--repo DIR REV... | [LABEL=]BTF_FILE...)
//	kfunccheck completion bash|zsh|fish
//	kfunccheck man
//	kfunccheck version
//
// "kfunccheck COMMAND --help" says more; the command table is cli.go.
// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input
// errors.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
)

// Version is kfunccheck's release.
const Version = "0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// versionText names the module version, the VCS revision the binary was
// built from and the Go version, from the build information.
func versionText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kfunccheck %s\n", Version)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b.String()
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		fmt.Fprintf(&b, "module %s %s\n", info.Main.Path, v)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		dirty := ""
		if settings["vcs.modified"] == "true" {
			dirty = " (modified)"
		}
		fmt.Fprintf(&b, "revision %s%s %s\n", rev, dirty, settings["vcs.time"])
	}
	fmt.Fprintf(&b, "built with %s\n", info.GoVersion)
	return b.String()
}
