//go:build amd64 && !purego

package kernels

// Assembly run kernels (winograd_amd64.s): each transforms the first n
// tiles of a run, n a multiple of 4, in groups of 8 and then one of 4, with
// the same arguments as the Go kernels in winograd.go. The dispatchers
// below check the slices' lengths, give them the longest prefix of whole
// groups (of full tiles, for the output side) and leave the rest to Go.

//go:noescape
func wgInputAVX2(v *float32, plane int, x *float32, ldx int, n int)

//go:noescape
func wgInputGradAVX2(dx *float32, ldx int, dv *float32, plane int, n int)

//go:noescape
func wgOutputAVX2(y *float32, ldy int, m *float32, plane int, n int, bias float32)

//go:noescape
func wgOutputGradAVX2(dm *float32, plane int, dy *float32, ldy int, n int)

func wgInputRun(v []float32, plane int, x []float32, ldx, n int) {
	k := 0
	if useAVX2 {
		if k = n &^ 3; k > 0 {
			_, _ = v[15*plane+k-1], x[3*ldx+2*k+1]
			wgInputAVX2(&v[0], plane, &x[0], ldx, k)
		}
	}
	wgInputRunGo(v, plane, x, ldx, n, k, n)
}

func wgInputGradRun(dx []float32, ldx int, dv []float32, plane, n int) {
	k := 0
	if useAVX2 {
		if k = n &^ 3; k > 0 {
			_, _ = dv[15*plane+k-1], dx[3*ldx+2*k+1]
			wgInputGradAVX2(&dx[0], ldx, &dv[0], plane, k)
		}
	}
	wgInputGradRunGo(dx, ldx, dv, plane, n, k, n)
}

// wgFullTiles returns how many leading tiles of a run have all four
// outputs inside the first h rows and w columns.
func wgFullTiles(h, w, n int) int {
	if h < 2 {
		return 0
	}
	return min(n, w/2)
}

func wgOutputRun(y []float32, ldy, h, w int, m []float32, plane, n int, bias float32) {
	k := 0
	if useAVX2 {
		if k = wgAsmPrefix(n, wgFullTiles(h, w, n)); k > 0 {
			_, _ = m[15*plane+k-1], y[ldy+2*k-1]
			wgOutputAVX2(&y[0], ldy, &m[0], plane, k, bias)
		}
	}
	wgOutputRunGo(y, ldy, h, w, m, plane, n, k, n, bias)
}

func wgOutputGradRun(dm []float32, plane int, dy []float32, ldy, h, w, n int) {
	k := 0
	if useAVX2 {
		if k = wgAsmPrefix(n, wgFullTiles(h, w, n)); k > 0 {
			_, _ = dm[15*plane+k-1], dy[ldy+2*k-1]
			wgOutputGradAVX2(&dm[0], plane, &dy[0], ldy, k)
		}
	}
	wgOutputGradRunGo(dm, plane, dy, ldy, h, w, n, k, n)
}
