package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/demo"
	"github.com/dii-net/dii/internal/testnode"
)

// TestREADMEExamples runs every `bin/dii` command of the README's shell
// examples against a node loaded with the demo data, so the README cannot
// drift from what the CLI does.
func TestREADMEExamples(t *testing.T) {
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in && strings.HasPrefix(line, "bin/dii "):
			if i := strings.Index(line, " #"); i > 0 {
				line = line[:i]
			}
			cmds = append(cmds, strings.TrimSpace(line))
		}
	}
	if len(cmds) < 5 {
		t.Fatalf("found only %d README examples", len(cmds))
	}

	n := testnode.Start(t)
	if _, err := demo.Load(context.Background(), n.Operator(t)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "bin"), 0o755)
	if err := os.Symlink(diiBin, filepath.Join(dir, "bin", "dii")); err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		cmd := exec.Command("bash", "-c", c)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DII_HOME="+n.Home, "DII_NODE="+n.Addrs().API, "DII_DNS="+n.Addrs().DNS, "DII_HANDLE="+n.Addrs().Handle)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README example %q: %v\n%s", c, err, out)
		}
	}
}
