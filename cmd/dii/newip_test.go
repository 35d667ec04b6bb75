package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/newiplab"
)

// TestRouterCLI runs `dii router` from a configuration file, pings and
// traces its address with `dii ping` and `dii trace`, reads its metrics
// and stops it with SIGTERM.
func TestRouterCLI(t *testing.T) {
	if out := run(t, false, "router", "sample-config"); !strings.Contains(out, "[[link]]") || !strings.Contains(out, "[[route]]") {
		t.Fatalf("sample-config:\n%s", out)
	}
	cfg := filepath.Join(t.TempDir(), "r.toml")
	os.WriteFile(cfg, []byte(`name = "r"
addresses = ["10.0.0.1"]
metrics = "127.0.0.1:0"
[[link]]
name = "hosts"
listen = "127.0.0.1:0"
[[route]]
prefix = "10.1.0.0/16"
link = "hosts"
`), 0o644)
	cmd := exec.Command(diiBin, "router", "--config", cfg)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The router logs the addresses it bound.
	var link, metrics string
	sc := bufio.NewScanner(stderr)
	linkRE := regexp.MustCompile(`link=hosts listen=(\S+)`)
	metricsRE := regexp.MustCompile(`msg="metrics listening".* addr=(\S+)`)
	deadline := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	for (link == "" || metrics == "") && sc.Scan() {
		if m := linkRE.FindStringSubmatch(sc.Text()); m != nil {
			link = m[1]
		}
		if m := metricsRE.FindStringSubmatch(sc.Text()); m != nil {
			metrics = m[1]
		}
	}
	deadline.Stop()
	go io.Copy(io.Discard, stderr)
	if link == "" || metrics == "" {
		t.Fatal("router did not log its link and metrics addresses")
	}
	host := []string{"--via", link, "--src", "10.1.0.1"}

	out := run(t, false, append([]string{"ping", "-c", "2", "-i", "100ms"}, append(host, "10.0.0.1")...)...)
	for _, want := range []string{"PING 10.0.0.1 from 10.1.0.1", "bytes from 10.0.0.1: seq=0 hops=0", "2 packets transmitted, 2 received, 0% packet loss", "rtt min/avg/max/mdev = "} {
		if !strings.Contains(out, want) {
			t.Fatalf("ping output lacks %q:\n%s", want, out)
		}
	}
	var js struct {
		Sent, Received int
		Replies        []struct{ From string }
	}
	runJSON(t, &js, append([]string{"ping", "-c", "1"}, append(host, "10.0.0.1")...)...)
	if js.Sent != 1 || js.Received != 1 || js.Replies[0].From != "10.0.0.1" {
		t.Fatalf("ping --json: %+v", js)
	}
	// No route: the router says so, and ping exits 1.
	msg := run(t, true, append([]string{"ping", "-c", "1"}, append(host, "10.9.9.9")...)...)
	if !strings.Contains(msg, "no reply from 10.9.9.9") {
		t.Fatalf("ping unreachable: %s", msg)
	}
	out = run(t, false, append([]string{"trace", "-q", "2"}, append(host, "10.0.0.1")...)...)
	if !regexp.MustCompile(`(?m)^ 1  10\.0\.0\.1  [0-9.]+ ms [0-9.]+ ms$`).MatchString(out) {
		t.Fatalf("trace output:\n%s", out)
	}

	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		"dii_newip_router_pings_answered_total 5",
		`dii_newip_router_drops_total{link="hosts",reason="no_route"} 1`,
		`dii_newip_router_received_packets_total{link="hosts"} 6`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}

	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("router after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("router did not stop")
	}
	if msg := run(t, true, "router", "--config", filepath.Join(t.TempDir(), "missing.toml")); !strings.Contains(msg, "no such file") {
		t.Fatalf("missing config: %s", msg)
	}
}

// TestPingTraceCLIAcrossLab points `dii ping` and `dii trace` at a lab of
// three routers: the trace lists every router with its delays.
func TestPingTraceCLIAcrossLab(t *testing.T) {
	top, err := newiplab.Parse([]byte(`
[[router]]
name = "r1"
address = "10.0.0.1"
[[router]]
name = "r2"
address = "10.0.0.2"
[[router]]
name = "r3"
address = "10.0.0.3"
[[link]]
a = "r1"
b = "r2"
delay = "2ms"
[[link]]
a = "r2"
b = "r3"
delay = "2ms"
[[host]]
name = "cli"
address = "10.1.0.1"
router = "r1"
attach = true
[[host]]
name = "far"
address = "f=80000"
router = "r3"
`))
	if err != nil {
		t.Fatal(err)
	}
	lab, err := newiplab.Start(top)
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	link, _ := lab.HostLink("cli")
	host := []string{"--via", link.String(), "--src", "10.1.0.1"}
	out := run(t, false, append([]string{"ping", "-c", "2", "-i", "50ms"}, append(host, "f=80000")...)...)
	if !strings.Contains(out, "bytes from f:f200013880: seq=0 hops=3 hop_limit=61 time=") {
		t.Fatalf("ping:\n%s", out)
	}
	out = run(t, false, append([]string{"trace"}, append(host, "f=80000")...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"trace to f:f200013880", " 1  10.0.0.1 ", " 2  10.0.0.2 ", " 3  10.0.0.3 ", " 4  f:f200013880 "}
	if len(lines) != len(want) {
		t.Fatalf("trace:\n%s", out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Fatalf("trace line %d %q, want it to start %q\n%s", i, lines[i], w, out)
		}
	}
	var js struct {
		Hops []struct {
			TTL     int
			From    string
			RTTms   []float64 `json:"rtt_ms"`
			Reached bool
		}
	}
	runJSON(t, &js, append([]string{"trace", "-q", "1"}, append(host, "f=80000")...)...)
	if n := len(js.Hops); n != 4 || !js.Hops[3].Reached || js.Hops[2].RTTms[0] < 4 {
		b, _ := json.Marshal(js)
		t.Fatalf("trace --json: %s", b)
	}
}

// TestLabCLI runs the lab command on a tiny topology.
func TestLabCLI(t *testing.T) {
	top := filepath.Join(t.TempDir(), "lab.toml")
	os.WriteFile(top, []byte(`duration = "300ms"
[[router]]
name = "r1"
address = "10.0.0.1"
[[router]]
name = "r2"
address = "10.0.0.2"
[[link]]
a = "r1"
b = "r2"
rate = "10Mbit"
delay = "1ms"
[[host]]
name = "a"
address = "10.1.0.1"
router = "r1"
[[host]]
name = "b"
address = "10.2.0.1"
router = "r2"
[[flow]]
name = "v"
from = "a"
to = "b"
contract = "lbf"
budget = "30ms"
rate = 50
`), 0o644)
	out := run(t, false, "newip", "lab", top)
	for _, want := range []string{"round", "contracts", "best effort", "What each contract bought", "v (lbf, budget 30.0ms)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("lab output lacks %q:\n%s", want, out)
		}
	}
	var js map[string][]newiplab.Result
	runJSON(t, &js, "newip", "lab", "--round", "contracts", top)
	if r := js[newiplab.RoundContracts]; len(r) != 1 || r[0].Sent == 0 || r[0].Received == 0 {
		t.Fatalf("lab --json: %+v", js)
	}
	if msg := run(t, true, "newip", "lab", "--round", "sideways", top); !strings.Contains(msg, "--round") {
		t.Fatalf("bad round: %s", msg)
	}
}
