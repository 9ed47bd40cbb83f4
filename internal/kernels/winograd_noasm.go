//go:build !amd64 || purego

package kernels

// Without the assembly kernels every run is transformed in Go.

func wgInputRun(v []float32, plane int, x []float32, ldx, n int) {
	wgInputRunGo(v, plane, x, ldx, n, 0, n)
}

func wgInputGradRun(dx []float32, ldx int, dv []float32, plane, n int) {
	wgInputGradRunGo(dx, ldx, dv, plane, n, 0, n)
}

func wgOutputRun(y []float32, ldy, h, w int, m []float32, plane, n int, bias float32) {
	wgOutputRunGo(y, ldy, h, w, m, plane, n, 0, n, bias)
}

func wgOutputGradRun(dm []float32, plane int, dy []float32, ldy, h, w, n int) {
	wgOutputGradRunGo(dm, plane, dy, ldy, h, w, n, 0, n)
}
