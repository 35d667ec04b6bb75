package node

import (
	"context"
	"log/slog"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// cmtLogger adapts slog to CometBFT's logger. CometBFT's Info messages are
// per-block chatter, so they are logged at slog's Debug level, and its Debug
// below that; its errors stay errors.
type cmtLogger struct{ l *slog.Logger }

const levelTrace = slog.LevelDebug - 4

func newCmtLogger(l *slog.Logger) cmtlog.Logger { return cmtLogger{l: l.With("module", "cometbft")} }

func (c cmtLogger) Debug(msg string, kv ...any) {
	c.l.Log(context.Background(), levelTrace, msg, kv...)
}
func (c cmtLogger) Info(msg string, kv ...any) {
	c.l.Log(context.Background(), slog.LevelDebug, msg, kv...)
}
func (c cmtLogger) Error(msg string, kv ...any) {
	lvl := slog.LevelError
	if benign[msg] {
		lvl = slog.LevelDebug
	}
	c.l.Log(context.Background(), lvl, msg, kv...)
}

// benign are messages CometBFT logs as errors during a normal shutdown.
var benign = map[string]bool{
	"Stopped accept routine, as transport is closed": true,
}

func (c cmtLogger) With(kv ...any) cmtlog.Logger {
	return cmtLogger{l: c.l.With(kv...)}
}
