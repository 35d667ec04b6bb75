package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
)

// zoneInfo describes the zone files of one size.
type zoneInfo struct {
	exportFile string // "dii zone export bench", as written
	serveFile  string // what NSD and Knot serve
	exportRRs  int
	serveRRs   int
	merged     int // hosted child zones merged into serveFile
	exportSize int64
	serveSize  int64
}

// childRecords reads every registered name under the TLD through the API
// (GET /v1/names?zone=, a page at a time) and returns, per fully
// qualified name, its RRsets as master file lines. Names with NS RRsets
// are delegated out by their owner and are left as the export has them.
func childRecords(ctx context.Context, c *client.Client, zone string) (map[string][]string, error) {
	out := map[string][]string{}
	after := ""
	for {
		l, err := c.List(ctx, client.ListOptions{Zone: zone, After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("list names under %s after %q: %w", zone, after, err)
		}
		for _, n := range l.Names {
			var lines []string
			delegated := false
			for _, s := range n.RRsets {
				if s.Type == "NS" {
					delegated = true
				}
				for _, r := range s.Records {
					lines = append(lines, fmt.Sprintf("%s.\t%d\tIN\t%s\t%s", strings.TrimSuffix(s.Name, "."), s.TTL, s.Type, r))
				}
			}
			if !delegated {
				out[strings.TrimSuffix(n.Name, ".")+"."] = lines
			}
		}
		if l.Next == "" || len(l.Names) == 0 {
			return out, nil
		}
		after = l.Next
	}
}

// mergeChildren writes the exported zone with each hosted child zone's
// records in place of the cut the export writes for it (the derived NS).
//
// dii hosts every registered name as a zone of its own, so "dii zone export
// bench" holds, for nameNNNNNNN.bench, only the cut: the NS of the child
// zone, which dii itself serves. NSD and Knot given that file alone would
// answer each A query with a referral where dii answers the A record with
// AA set. Merging the child zones' records (here one A record each) into
// the parent makes all three servers give the same answer to every query
// of the benchmark.
func mergeChildren(exportFile, outFile, zone string, children map[string][]string) (zi zoneInfo, err error) {
	zi.exportFile, zi.serveFile = exportFile, outFile
	in, err := os.Open(exportFile)
	if err != nil {
		return zi, err
	}
	defer in.Close()
	out, err := os.Create(outFile)
	if err != nil {
		return zi, err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(out, 1<<20)
	apex := dns.Fqdn(zone)
	fmt.Fprintf(w, "$ORIGIN %s\n", apex)
	zp := dns.NewZoneParser(bufio.NewReaderSize(in, 1<<20), "", exportFile)
	zp.SetIncludeAllowed(false)
	done := map[string]bool{}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		zi.exportRRs++
		h := rr.Header()
		owner := strings.ToLower(h.Name)
		if lines, isChild := children[owner]; isChild && owner != apex && h.Rrtype == dns.TypeNS {
			if !done[owner] {
				done[owner] = true
				zi.merged++
				for _, l := range lines {
					// bufio.Writer keeps the first error; Flush returns it.
					_, _ = w.WriteString(l)
					_ = w.WriteByte('\n')
					zi.serveRRs++
				}
			}
			continue
		}
		_, _ = w.WriteString(rr.String())
		_ = w.WriteByte('\n')
		zi.serveRRs++
	}
	if err := zp.Err(); err != nil {
		return zi, fmt.Errorf("parse %s: %w", exportFile, err)
	}
	if missing := len(children) - len(done); missing != 0 {
		return zi, fmt.Errorf("%d names the ledger lists under %s have no cut in the export", missing, zone)
	}
	if err := w.Flush(); err != nil {
		return zi, err
	}
	if st, err := os.Stat(exportFile); err == nil {
		zi.exportSize = st.Size()
	}
	if st, err := out.Stat(); err == nil {
		zi.serveSize = st.Size()
	}
	return zi, nil
}

// checkZone runs named-checkzone on a zone file and returns its verdict,
// e.g. "loaded serial 12, OK".
func checkZone(ctx context.Context, zone, file string) (string, error) {
	out, err := output(ctx, tool("named-checkzone"), zone, file)
	if err != nil {
		return "", fmt.Errorf("named-checkzone %s %s: %w\n%s", zone, file, err, lastLines(out, 15))
	}
	var parts []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(l, "zone "+zone+"/IN: "))
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ", "), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
