package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/dii-net/dii/internal/api"
)

func main() {
	root := newRoot()
	if err := root.Execute(); err != nil {
		var e *api.Error
		if errors.As(err, &e) {
			fmt.Fprintf(os.Stderr, "error: %s (%s)\n", e.Message, e.Code)
		} else {
			fmt.Fprintf(os.Stderr, "error: %v\n", err)
		}
		os.Exit(1)
	}
}
