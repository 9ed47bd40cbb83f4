// Package kernels holds the raw []float32 compute kernels under package tensor:
// GEMM (packed, cache-blocked, with an AVX2+FMA micro-kernel on amd64 and a
// pure-Go fallback), vectorised elementwise loops, and a small parallel-for
// over the machine's cores.
//
// Kernels work on flat row-major slices and never allocate on the hot path
// beyond pooled scratch buffers. Every fast kernel has a naive reference
// beside it, and the tests compare the two on awkward sizes.
package kernels
