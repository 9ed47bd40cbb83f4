//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2+FMA assembly kernels at run time.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA
