package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/testnode"
)

// diiBin is the dii binary built once for the tests that run it.
var diiBin string

func TestMain(m *testing.M) { testnode.MainWithBinary(m, ".", &diiBin) }

// run runs the dii binary and returns its stdout; it fails the test on a
// non-zero exit unless wantFail.
func run(t *testing.T, wantFail bool, args ...string) string {
	t.Helper()
	cmd := exec.Command(diiBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if wantFail {
		if err == nil {
			t.Fatalf("dii %s succeeded, want failure; stdout:\n%s", strings.Join(args, " "), stdout.String())
		}
		return stderr.String()
	}
	if err != nil {
		t.Fatalf("dii %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := run(t, false, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("dii %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// against returns two runners of the dii binary with --home and --node of
// node n before the arguments: one that wants success and returns stdout,
// one that wants failure and returns stderr.
func against(t *testing.T, home, api string) (ok, fail func(args ...string) string) {
	g := []string{"--home", home, "--node", api}
	with := func(args []string) []string { return append(append([]string{}, g...), args...) }
	ok = func(args ...string) string { t.Helper(); return run(t, false, with(args)...) }
	fail = func(args ...string) string { t.Helper(); return run(t, true, with(args)...) }
	return ok, fail
}
