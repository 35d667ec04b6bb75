package node

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestSetGCPercent: the default applies without GOGC, and GOGC wins.
func TestSetGCPercent(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	if v, ok := os.LookupEnv("GOGC"); ok {
		t.Cleanup(func() { _ = os.Setenv("GOGC", v) })
	} else {
		t.Cleanup(func() { _ = os.Unsetenv("GOGC") })
	}
	_ = os.Unsetenv("GOGC")
	if got := SetGCPercent(); got != "" {
		t.Fatalf("without GOGC: reported %q", got)
	}
	if p := debug.SetGCPercent(100); p != DefaultGCPercent {
		t.Fatalf("without GOGC the target is %d, want %d", p, DefaultGCPercent)
	}
	_ = os.Setenv("GOGC", "150")
	if got := SetGCPercent(); got != "150" {
		t.Fatalf("with GOGC=150: reported %q", got)
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("with GOGC set the target changed to %d", p)
	}
}
