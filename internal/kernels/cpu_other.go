//go:build !amd64 || purego

package kernels

// useAVX2 is false off amd64 and under the purego tag: the pure-Go kernels run.
const useAVX2 = false
