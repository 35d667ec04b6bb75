package router

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written as "5ms", "1.5s" in configuration.
type Duration time.Duration

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" || s == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: want a number with a unit, as 5ms or 1.5s", s)
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as Go prints it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Rate is a link rate in bits per second, written as "10Mbit", "1.5Gbit",
// "800kbit" or a plain number of bits per second. Zero means unlimited.
type Rate uint64

var rateUnits = []struct {
	suffix string
	mul    float64
}{
	{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1},
	{"gbps", 1e9}, {"mbps", 1e6}, {"kbps", 1e3}, {"bps", 1},
}

// UnmarshalText parses a rate.
func (r *Rate) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	if s == "" || s == "0" {
		*r = 0
		return nil
	}
	mul := 1.0
	num := s
	for _, u := range rateUnits {
		if strings.HasSuffix(s, u.suffix) {
			mul, num = u.mul, strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 || v*mul > 1e15 {
		return fmt.Errorf("rate %q: want a number of bits per second with a unit, as 10Mbit or 800kbit", string(b))
	}
	*r = Rate(v * mul)
	return nil
}

// MarshalText writes the rate in the largest whole unit.
func (r Rate) MarshalText() ([]byte, error) {
	switch {
	case r == 0:
		return []byte("0"), nil
	case r%1e9 == 0:
		return []byte(fmt.Sprintf("%dGbit", r/1e9)), nil
	case r%1e6 == 0:
		return []byte(fmt.Sprintf("%dMbit", r/1e6)), nil
	case r%1e3 == 0:
		return []byte(fmt.Sprintf("%dkbit", r/1e3)), nil
	}
	return []byte(fmt.Sprintf("%dbit", uint64(r))), nil
}

// Size is a number of bytes, written as "64KiB", "1MiB", "1500" or
// "100kB".
type Size int

var sizeUnits = []struct {
	suffix string
	mul    int
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"kb", 1000}, {"mb", 1000 * 1000}, {"b", 1},
}

// UnmarshalText parses a size.
func (z *Size) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	mul := 1
	num := s
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			mul, num = u.mul, strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			break
		}
	}
	v, err := strconv.Atoi(num)
	if err != nil || v < 0 || v > 1<<30/mul {
		return fmt.Errorf("size %q: want a number of bytes, as 1500, 64KiB or 1MiB", string(b))
	}
	*z = Size(v * mul)
	return nil
}

// MarshalText writes the size in KiB or MiB when whole.
func (z Size) MarshalText() ([]byte, error) {
	switch {
	case z != 0 && z%(1<<20) == 0:
		return []byte(fmt.Sprintf("%dMiB", z>>20)), nil
	case z != 0 && z%(1<<10) == 0:
		return []byte(fmt.Sprintf("%dKiB", z>>10)), nil
	}
	return []byte(strconv.Itoa(int(z))), nil
}
