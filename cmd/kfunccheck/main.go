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
//	kfunccheck hook install|uninstall|pre-push
//	kfunccheck version
//
// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input
// errors.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// Version is kfunccheck's release.
const Version = "0.1.0"

const usage = `kfunccheck checks the stability contract of BPF kfuncs in kernel patches.

Usage:
  kfunccheck check [flags] [PATH|-]...   check patches, mails, mboxes, series directories
  kfunccheck explain RULE_ID             show a rule's documentation
  kfunccheck explain --list              list all rules
  kfunccheck hook install|uninstall      the git pre-push hook (see "kfunccheck hook")
  kfunccheck btf list|diff|uses|compat   what built kernels and BPF programs say (see "kfunccheck btf")
  kfunccheck bot run|once|check-config   the mailing-list bot (see "kfunccheck bot")
  kfunccheck history --repo DIR REV...   kfunc contracts release by release (see "kfunccheck history")
  kfunccheck completion bash|zsh|fish    a shell completion script
  kfunccheck man                         the manual page (troff; man -l <(kfunccheck man))
  kfunccheck version                     print the version

Run "kfunccheck check -h" for the flags of check.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: tests call it directly.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if len(args) > 1 && isHelp(args[1]) {
		// "kfunccheck CMD -h": the command's usage on stdout, exit 0,
		// the same for every command.
		if u, ok := commandUsage[args[0]]; ok {
			fmt.Fprint(stdout, u)
			return 0
		}
	}
	switch args[0] {
	case "check":
		return runCheck(args[1:], stdin, stdout, stderr)
	case "explain":
		return runExplain(args[1:], stdout, stderr)
	case "hook":
		return runHook(args[1:], stdin, stdout, stderr)
	case "btf":
		return runBTF(args[1:], stdout, stderr)
	case "history":
		return runHistory(args[1:], stdout, stderr)
	case "bot":
		return runBot(args[1:], stdout, stderr)
	case "completion":
		return runCompletion(args[1:], stdout, stderr)
	case "man":
		fmt.Fprint(stdout, manPage())
		return 0
	case "version", "--version":
		fmt.Fprint(stdout, versionText())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "kfunccheck: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// commandUsage holds the usage of the commands whose first argument is a
// subcommand or a rule, not a flag.
var commandUsage = map[string]string{
	"explain":    "usage: kfunccheck explain RULE_ID | --list\n",
	"completion": "usage: kfunccheck completion bash|zsh|fish\n",
	"btf":        btfUsage,
	"hook":       hookUsage,
	"bot":        botUsage,
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
