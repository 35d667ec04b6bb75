package main

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTestnetCLI runs a network through the CLI: init, up, status, load,
// a validator added by transaction, logs, kill and down.
func TestTestnetCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tn")
	var out string
	for try := 0; ; try++ {
		base := 20000 + rand.IntN(1000)*40
		cmd := exec.Command(diiBin, "testnet", "init", "--validators", "2", "--full", "1", "--dir", dir,
			"--base-port", fmt.Sprint(base), "--timeout-commit", "100ms", "--empty-blocks", "300ms")
		b, err := cmd.CombinedOutput()
		if err == nil {
			out = string(b)
			break
		}
		if !strings.Contains(string(b), "taken") || try == 9 {
			t.Fatalf("init: %v\n%s", err, b)
		}
	}
	t.Cleanup(func() {
		_, _ = exec.Command(diiBin, "testnet", "down", "--dir", dir, "--stop-timeout", "5s").CombinedOutput()
	})
	if !strings.Contains(out, "node2  full") || !strings.Contains(out, "node0  validator") {
		t.Fatalf("init output:\n%s", out)
	}
	run(t, true, "testnet", "init", "--validators", "1", "--dir", dir) // not over an existing network
	if e := run(t, true, "testnet", "status", "--dir", filepath.Join(dir, "none")); !strings.Contains(e, "holds no network") {
		t.Fatalf("status of no network: %s", e)
	}

	run(t, false, "testnet", "up", "--dir", dir)
	var st []struct {
		Name      string `json:"name"`
		Running   bool   `json:"running"`
		Validator bool   `json:"validator"`
		API       string `json:"api"`
		Height    int64  `json:"height"`
		Peers     int    `json:"peers"`
	}
	// "testnet up" returns once every node runs; node0 meets its second
	// peer when the peers' dials cross, a moment later.
	for deadline := time.Now().Add(30 * time.Second); ; {
		runJSON(t, &st, "testnet", "status", "--dir", dir)
		if len(st) != 3 || !st[0].Running || !st[0].Validator || st[2].Validator {
			t.Fatalf("status %+v", st)
		}
		if st[0].Peers == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node0 has %d peers after 30 s, want 2: %+v", st[0].Peers, st)
		}
		time.Sleep(200 * time.Millisecond)
	}

	var res struct {
		Submitted int64 `json:"submitted"`
		Skipped   int64 `json:"skipped"`
		Committed int64 `json:"committed"`
		Updates   int64 `json:"committed_updates"`
		P99       int64 `json:"p99_ns"`
	}
	runJSON(t, &res, "load", "--testnet", dir, "--rate", "20", "--duration", "2s", "--accounts", "6", "--ops-per-tx", "2")
	// 40 due over 2 s at 20/s: sent, or skipped while all 6 accounts wait.
	if res.Submitted < 6 || res.Submitted+res.Skipped < 35 || res.Committed != res.Submitted || res.Updates != 2*res.Committed || res.P99 <= 0 {
		t.Fatalf("load %+v", res)
	}

	api0 := st[0].API
	home0, home2 := filepath.Join(dir, "node0"), filepath.Join(dir, "node2")
	out = run(t, false, "--home", home0, "--node", api0, "validators", "add", "--from-home", home2, "--power", "5")
	if !strings.Contains(out, "power 5") {
		t.Fatalf("validators add: %s", out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out = run(t, false, "--node", api0, "validators", "list")
		if strings.Contains(out, "3 validators") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node2 never joined:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Only an admin may change the set.
	if e := run(t, true, "--home", home2, "--node", api0, "validators", "remove", "--from-home", home0); !strings.Contains(e, "unauthorized") {
		t.Fatalf("remove by a non-admin: %s", e)
	}

	if logs := run(t, false, "testnet", "logs", "node0", "--dir", dir, "-n", "5"); strings.Count(logs, "\n") != 5 {
		t.Fatalf("logs -n 5:\n%s", logs)
	}
	run(t, false, "testnet", "kill", "node2", "--dir", dir)
	runJSON(t, &st, "testnet", "status", "--dir", dir)
	if st[2].Running || !st[1].Running {
		t.Fatalf("after kill: %+v", st)
	}
	if out := run(t, false, "testnet", "down", "--dir", dir); strings.Count(out, "stopped") != 3 {
		t.Fatalf("down: %s", out)
	}
	runJSON(t, &st, "testnet", "status", "--dir", dir)
	for _, s := range st {
		if s.Running {
			t.Fatalf("%s runs after down", s.Name)
		}
	}
}
