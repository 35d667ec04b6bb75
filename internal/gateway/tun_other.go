//go:build !linux

package gateway

import (
	"errors"
	"os"
)

func tunAvailable() error { return errors.New("TUN devices are supported on Linux only") }

func openTUN(string) (*os.File, error) { return nil, tunAvailable() }
