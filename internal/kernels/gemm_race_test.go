//go:build race

package kernels

// gemmRaceEnabled trims the GEMM tests: the race detector slows the kernels
// down by an order of magnitude.
const gemmRaceEnabled = true
