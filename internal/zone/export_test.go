package zone

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/registry"
)

func TestExportGolden(t *testing.T) {
	s := fixture(t)
	cases := map[string]string{
		"example.dii": `$ORIGIN example.dii.
example.dii.	3600	IN	SOA	a.root-servers.dii. hostmaster.example.dii. 7 1800 900 604800 300
example.dii.	86400	IN	NS	a.root-servers.dii.
example.dii.	86400	IN	NS	b.root-servers.dii.
example.dii.	300	IN	A	192.0.2.10
example.dii.	300	IN	MX	10 mail.example.dii.
example.dii.	300	IN	AAAA	2001:db8::10
mail.example.dii.	300	IN	A	192.0.2.25
mail.example.dii.	300	IN	TXT	"v=spf1"
www.example.dii.	300	IN	CNAME	example.dii.
`,
		".": `$ORIGIN .
.	3600	IN	SOA	a.root-servers.dii. hostmaster.root-servers.dii. 7 1800 900 604800 300
.	86400	IN	NS	a.root-servers.dii.
.	86400	IN	NS	b.root-servers.dii.
dii.	86400	IN	NS	a.root-servers.dii.
dii.	86400	IN	NS	b.root-servers.dii.
a.root-servers.dii.	86400	IN	A	192.0.2.1
a.root-servers.dii.	86400	IN	AAAA	2001:db8::1
b.root-servers.dii.	300	IN	A	192.0.2.222
test.	86400	IN	NS	a.root-servers.dii.
test.	86400	IN	NS	b.root-servers.dii.
`,
		"TEST.": `$ORIGIN test.
test.	3600	IN	SOA	a.root-servers.dii. hostmaster.test. 7 1800 900 604800 300
test.	86400	IN	NS	a.root-servers.dii.
test.	86400	IN	NS	b.root-servers.dii.
sld.test.	86400	IN	NS	a.root-servers.dii.
sld.test.	86400	IN	NS	b.root-servers.dii.
`,
	}
	for zone, want := range cases {
		var b strings.Builder
		if err := s.Export(zone, &b); err != nil {
			t.Fatalf("Export(%q): %v", zone, err)
		}
		if b.String() != want {
			t.Errorf("Export(%q):\n%s\nwant:\n%s", zone, b.String(), want)
		}
	}
	for _, z := range []string{"deleg.dii", "sub.deleg.dii", "bar.foo.dii", "foo.dii", "nope.dii", "a..b", "www.example.dii"} {
		if err := s.Export(z, &strings.Builder{}); !errors.Is(err, ErrNoZone) {
			t.Errorf("Export(%q) = %v, want ErrNoZone", z, err)
		}
	}
	want := []string{".", "dii.", "deep.ent.dii.", "example.dii.", "oid-res.org.", "test.", "sld.test."}
	if got := s.Zones(); !slices.Equal(got, want) {
		t.Errorf("Zones() = %v, want %v", got, want)
	}
}

// TestExportParses reads every exported zone back with miekg/dns and checks
// each record against Lookup, and that every authoritative RRset of the
// fixture is in its zone's file. Where named-checkzone and ldns-read-zone
// are installed it runs them on each file.
func TestExportParses(t *testing.T) {
	t.Run("fixture", func(t *testing.T) { checkExports(t, fixture(t), fixtureRecords(t)) })
	t.Run("corners", func(t *testing.T) {
		s, recs := cornerFixture(t)
		checkExports(t, s, recs)
	})
}

func checkExports(t *testing.T, s *Snapshot, records []*registry.Record) {
	dir := t.TempDir()
	files := map[string]string{}
	exported := map[string]map[string]bool{} // zone -> rendered records
	for _, z := range s.Zones() {
		var b strings.Builder
		if err := s.Export(z, &b); err != nil {
			t.Fatalf("Export(%s): %v", z, err)
		}
		text := b.String()
		f := filepath.Join(dir, strings.TrimSuffix(z, ".")+"zone")
		if z == "." {
			f = filepath.Join(dir, "root.zone")
		}
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		files[z] = f
		exported[z] = map[string]bool{}

		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if lines[0] != "$ORIGIN "+z {
			t.Errorf("%s: first line %q", z, lines[0])
		}
		zp := dns.NewZoneParser(strings.NewReader(text), "", "")
		i := 1
		for r, ok := zp.Next(); ok; r, ok = zp.Next() {
			if i >= len(lines) || r.String() != lines[i] {
				t.Errorf("%s: parsed %q from line %d %q", z, r.String(), i, lines[min(i, len(lines)-1)])
			}
			h := r.Header()
			switch {
			case i == 1 && (h.Rrtype != dns.TypeSOA || h.Name != z):
				t.Errorf("%s: first record %s, want the SOA", z, show(r))
			case (i == 2 || i == 3) && (h.Rrtype != dns.TypeNS || h.Name != z):
				t.Errorf("%s: record %d %s, want the apex NS", z, i, show(r))
			}
			i++
			exported[z][show(r)] = true
			// Every record is what Lookup gives for its owner and type,
			// as an answer, a referral or glue.
			res := s.Lookup(h.Name, h.Rrtype)
			all := showAll(slices.Concat(res.Answer, res.Ns, res.Extra))
			if !slices.Contains(all, show(r)) {
				t.Errorf("%s: exported %s, but Lookup gives:\n%s", z, show(r), render(res))
			}
			if res.Zone == z && !res.Referral && !slices.Contains(showAll(res.Answer), show(r)) {
				t.Errorf("%s: exported %s is not in the authoritative answer:\n%s", z, show(r), render(res))
			}
		}
		if err := zp.Err(); err != nil {
			t.Errorf("%s: parse: %v", z, err)
		}
		// In-zone name server names have addresses in the file (glue
		// below a cut, or ordinary data).
		for line := range exported[z] {
			f := strings.Fields(line)
			if len(f) != 4 || f[2] != "NS" || !dns.IsSubDomain(z, f[3]) {
				continue
			}
			if !hasAddress(exported[z], f[3]) {
				t.Errorf("%s: %s has no address record in the file", z, line)
			}
		}
		if i != len(lines) {
			t.Errorf("%s: parsed %d records from %d lines", z, i-1, len(lines)-1)
		}
	}
	// Completeness: every ledger RRset answered authoritatively at its own
	// owner is in the file of the zone that answers it.
	for _, rec := range records {
		for _, set := range rec.RRsets {
			owner := set.Name + "."
			res := s.Lookup(owner, set.Type)
			if res.Referral || len(res.Answer) == 0 || res.Answer[0].Header().Name != owner || res.Answer[0].Header().Rrtype != set.Type {
				continue
			}
			for _, r := range res.Answer {
				if !exported[res.Zone][show(r)] {
					t.Errorf("%s is answered by zone %s but not in its export", show(r), res.Zone)
				}
			}
		}
	}

	runTool(t, "named-checkzone", "bind9-utils", func(z, f string) []string {
		return []string{"-i", "local", "-k", "fail", z, f}
	}, files)
	runTool(t, "ldns-read-zone", "ldnsutils", func(_, f string) []string {
		return []string{f}
	}, files)
}

func hasAddress(records map[string]bool, name string) bool {
	for line := range records {
		if f := strings.Fields(line); len(f) == 4 && f[0] == name && (f[2] == "A" || f[2] == "AAAA") {
			return true
		}
	}
	return false
}

// runTool runs an external zone checker on every file. A missing tool
// skips, unless CI=true, where it fails.
func runTool(t *testing.T, tool, pkg string, args func(zone, file string) []string, files map[string]string) {
	t.Run(tool, func(t *testing.T) {
		path, err := exec.LookPath(tool)
		if err != nil {
			msg := tool + " not found on PATH; install the Debian package " + pkg
			if os.Getenv("CI") == "true" {
				t.Fatal(msg + " (required when CI=true)")
			}
			t.Skip(msg)
		}
		zones := make([]string, 0, len(files))
		for z := range files {
			zones = append(zones, z)
		}
		slices.Sort(zones)
		for _, z := range zones {
			out, err := exec.Command(path, args(z, files[z])...).CombinedOutput()
			if err != nil {
				text, _ := os.ReadFile(files[z])
				t.Errorf("%s %s: %v\n%s\nzone file:\n%s", tool, z, err, out, text)
			}
		}
	})
}
