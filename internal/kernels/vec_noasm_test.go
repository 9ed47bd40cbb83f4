//go:build !amd64 || purego

package kernels

// Without assembly there is only the Go path to test.
const vecTestHaveAsm = false

func vecSetAsm(bool) (restore func()) { return func() {} }
