//go:build amd64 && !purego

package kernels

// vecTestHaveAsm records whether this CPU runs the assembly kernels, before
// any test flips useAVX2.
var vecTestHaveAsm = useAVX2

// vecSetAsm routes the dispatchers to the assembly (if the CPU has it) or
// to the pure-Go kernels, and returns a func restoring the previous choice.
// Tests that use it must not run in parallel with each other.
func vecSetAsm(on bool) (restore func()) {
	old := useAVX2
	useAVX2 = on && vecTestHaveAsm
	return func() { useAVX2 = old }
}
