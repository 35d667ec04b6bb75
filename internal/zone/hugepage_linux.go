package zone

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms that
// have them (amd64, arm64 with 4 KiB pages).
const hugePage = 2 << 20

// adviseHuge asks the kernel to back the huge pages that lie wholly
// inside the n bytes at p with huge pages, at once (MADV_COLLAPSE, Linux
// 6.1 and later): memory read at random, in 4 KiB pages, misses the TLB
// on nearly every read once it spans more than a few MiB. It is advice:
// an error (an older kernel, huge pages switched off) leaves the memory as
// it was.
func adviseHuge(p unsafe.Pointer, n uintptr) {
	start := (uintptr(p) + hugePage - 1) &^ (hugePage - 1)
	end := (uintptr(p) + n) &^ (hugePage - 1)
	if end <= start {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start) //nolint:gosec // inside [p, p+n), only passed to madvise
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	_ = unix.Madvise(b, unix.MADV_COLLAPSE)
}
