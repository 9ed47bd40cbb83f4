package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The F(2×2, 3×3) matrices, written out for the naive references.
var (
	wgBT = [][]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	wgG  = [][]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	wgAT = [][]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
)

func transpose(a [][]float64) [][]float64 {
	t := make([][]float64, len(a[0]))
	for j := range t {
		t[j] = make([]float64, len(a))
		for i := range a {
			t[j][i] = a[i][j]
		}
	}
	return t
}

func matmul(a, b [][]float64) [][]float64 {
	c := make([][]float64, len(a))
	for i := range a {
		c[i] = make([]float64, len(b[0]))
		for j := range b[0] {
			for k := range b {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

// sandwich returns l·x·r.
func sandwich(l, x, r [][]float64) [][]float64 { return matmul(matmul(l, x), r) }

// wgCases are awkward geometries: 1×1 and odd images, padding 0, 1 and 2,
// asymmetric (implied) padding at the bottom and right, outputs of one row.
func wgCases() []WinogradGeom {
	gs := []WinogradGeom{
		{N: 1, C: 1, H: 1, W: 1, Out: 1, PH: 1, PW: 1},
		{N: 2, C: 3, H: 7, W: 5, Out: 4, PH: 1, PW: 1},
		{N: 1, C: 2, H: 4, W: 4, Out: 3},
		{N: 3, C: 2, H: 5, W: 9, Out: 2, PH: 2, PW: 0},
		{N: 1, C: 5, H: 8, W: 3, Out: 7, PH: 0, PW: 2},
		{N: 2, C: 1, H: 3, W: 6, Out: 1, PH: 2, PW: 2},
		{N: 2, C: 4, H: 6, W: 7, Out: 3, PH: 1, PW: 0, OH: 7, OW: 5}, // bottom 2, right 0
		{N: 1, C: 3, H: 9, W: 2, Out: 2, PH: 0, PW: 1, OH: 8, OW: 1}, // bottom 1, right 0
		{N: 2, C: 2, H: 5, W: 37, Out: 3, PH: 1, PW: 1},              // runs of 19: 8 + 8 + 3
		{N: 1, C: 3, H: 6, W: 25, Out: 2, PH: 1, PW: 1},              // runs of 13 = 8 + 4 + 1, last tile half
		{N: 2, C: 2, H: 15, W: 15, Out: 2, PH: 1, PW: 1},             // runs of 8, the last tile half
		{N: 1, C: 2, H: 6, W: 16, Out: 2, PH: 2, PW: 2},              // runs of 9
		{N: 1, C: 2, H: 5, W: 9, Out: 2, PH: 1, PW: 0, OH: 5, OW: 6}, // right padding −1: column 8 unread
	}
	for i := range gs {
		if gs[i].OH == 0 {
			gs[i].OH, gs[i].OW = gs[i].H+2*gs[i].PH-2, gs[i].W+2*gs[i].PW-2
		}
	}
	return gs
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// wgColumnRef returns the column of tile t in a transformed array of the
// tiles [t0, t1): the tiles of one tile row form a run, in order except
// that each full group of 8 at the start of a run holds 0 1 4 5 2 3 6 7.
func wgColumnRef(g WinogradGeom, t0, t1, t int) int {
	tw := g.TileCols()
	start, end := max(t0, t/tw*tw), min(t1, t/tw*tw+tw)
	k, n := t-start, end-start
	if k < n/8*8 {
		k = k/8*8 + []int{0, 1, 4, 5, 2, 3, 6, 7}[k%8]
	}
	return start - t0 + k
}

// windowNaive reads tile t's 4×4 input window of channel c, zero outside.
func windowNaive(x []float32, g WinogradGeom, t, c int) [][]float64 {
	per := g.TileRows() * g.TileCols()
	n, ty, tx := t/per, t%per/g.TileCols(), t%g.TileCols()
	d := make([][]float64, 4)
	for i := range d {
		d[i] = make([]float64, 4)
		for k := range d[i] {
			r, q := 2*ty-g.PH+i, 2*tx-g.PW+k
			if r >= 0 && r < g.H && q >= 0 && q < g.W {
				d[i][k] = float64(x[((n*g.C+c)*g.H+r)*g.W+q])
			}
		}
	}
	return d
}

// checkClose compares to a tolerance relative to the largest value.
func checkClose(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-5*scale) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestWinogradTransformsMatchNaive checks each transform against the
// matrix products it stands for, on sub-ranges of tiles and channels, with
// the assembly kernels and without.
func TestWinogradTransformsMatchNaive(t *testing.T) {
	for _, asm := range []bool{true, false} {
		restore := vecSetAsm(asm)
		for _, g := range wgCases() {
			t.Run(fmt.Sprintf("asm=%t/%+v", asm, g), func(t *testing.T) { testWinogradTransforms(t, g) })
		}
		restore()
	}
}

func testWinogradTransforms(t *testing.T, g WinogradGeom) {
	r := rand.New(rand.NewPCG(1, 2))
	T := g.Tiles()
	t0, t1 := T/3, T // a range that starts mid-image
	c0, c1 := g.C/2, g.C
	ld := WinogradLd(t1 - t0)
	per := g.TileRows() * g.TileCols()
	x := randSlice(r, g.N*g.C*g.H*g.W)
	asFloat64 := func(s []float32) []float64 {
		d := make([]float64, len(s))
		for i, v := range s {
			d[i] = float64(v)
		}
		return d
	}

	// Input and InputGrad on input channels [c0, c1); the other entries
	// must survive.
	plane := WinogradPlane(g.C, ld)
	v, dv, dx := randSlice(r, 16*plane), randSlice(r, 16*plane), randSlice(r, len(x))
	wantV, wantDx := asFloat64(v), asFloat64(dx)
	WinogradInput(v, x, g, t0, t1, c0, c1)
	WinogradInputGrad(dx, dv, g, t0, t1, c0, c1)
	for c := c0; c < c1; c++ {
		for tt := t0; tt < t1; tt++ {
			col := wgColumnRef(g, t0, t1, tt)
			tv := sandwich(wgBT, windowNaive(x, g, tt, c), transpose(wgBT))
			m := make([][]float64, 4)
			for i := range m {
				m[i] = make([]float64, 4)
				for k := range m[i] {
					wantV[(4*i+k)*plane+c*ld+col] = tv[i][k]
					m[i][k] = float64(dv[(4*i+k)*plane+c*ld+col])
				}
			}
			d := sandwich(transpose(wgBT), m, wgBT)
			n, ty, tx := tt/per, tt%per/g.TileCols(), tt%g.TileCols()
			for i := 0; i < 4; i++ {
				for k := 0; k < 4; k++ {
					rr, q := 2*ty-g.PH+i, 2*tx-g.PW+k
					if rr >= 0 && rr < g.H && q >= 0 && q < g.W {
						wantDx[((n*g.C+c)*g.H+rr)*g.W+q] += d[i][k]
					}
				}
			}
		}
	}
	checkClose(t, "WinogradInput", v, wantV)
	checkClose(t, "WinogradInputGrad", dx, wantDx)

	// Output and OutputGrad on output channels [o0, o1).
	o0, o1 := g.Out/3, g.Out
	plane = WinogradPlane(g.Out, ld)
	m, dm := randSlice(r, 16*plane), randSlice(r, 16*plane)
	bias := randSlice(r, g.Out)
	y := randSlice(r, g.N*g.Out*g.OH*g.OW)
	dy := randSlice(r, len(y))
	wantY, wantDm := asFloat64(y), asFloat64(dm)
	WinogradOutput(y, m, bias, g, t0, t1, o0, o1)
	WinogradOutputGrad(dm, dy, g, t0, t1, o0, o1)
	for o := o0; o < o1; o++ {
		for tt := t0; tt < t1; tt++ {
			col := wgColumnRef(g, t0, t1, tt)
			mm := make([][]float64, 4)
			for i := range mm {
				mm[i] = make([]float64, 4)
				for k := range mm[i] {
					mm[i][k] = float64(m[(4*i+k)*plane+o*ld+col])
				}
			}
			yt := sandwich(wgAT, mm, transpose(wgAT))
			n, ty, tx := tt/per, tt%per/g.TileCols(), tt%g.TileCols()
			dyt := [][]float64{{0, 0}, {0, 0}}
			for i := 0; i < 2; i++ {
				for k := 0; k < 2; k++ {
					oh, ow := 2*ty+i, 2*tx+k
					if oh < g.OH && ow < g.OW {
						at := ((n*g.Out+o)*g.OH+oh)*g.OW + ow
						wantY[at] = yt[i][k] + float64(bias[o])
						dyt[i][k] = float64(dy[at])
					}
				}
			}
			dmt := sandwich(transpose(wgAT), dyt, wgAT)
			for xi := 0; xi < 16; xi++ {
				wantDm[xi*plane+o*ld+col] = dmt[xi/4][xi%4]
			}
		}
	}
	checkClose(t, "WinogradOutput", y, wantY)
	checkClose(t, "WinogradOutputGrad", dm, wantDm)
}

func TestWinogradFilterMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	out, in := 3, 5
	w := randSlice(r, out*in*9)
	plane := WinogradPlane(out, in)
	u := make([]float32, 16*plane)
	WinogradFilter(u, w, out, in)
	du := randSlice(r, len(u))
	dw := make([]float32, len(w))
	WinogradFilterGrad(dw, du, out, in)
	n := out * in
	wantU, wantDw := make([]float64, len(u)), make([]float64, len(dw))
	for k := 0; k < n; k++ {
		f, d := make([][]float64, 3), make([][]float64, 4)
		for i := range f {
			f[i] = make([]float64, 3)
			for j := range f[i] {
				f[i][j] = float64(w[9*k+3*i+j])
			}
		}
		for i := range d {
			d[i] = make([]float64, 4)
			for j := range d[i] {
				d[i][j] = float64(du[(4*i+j)*plane+k])
			}
		}
		uk := sandwich(wgG, f, transpose(wgG))
		dk := sandwich(transpose(wgG), d, wgG)
		for xi := 0; xi < 16; xi++ {
			wantU[xi*plane+k] = uk[xi/4][xi%4]
		}
		for i := 0; i < 9; i++ {
			wantDw[9*k+i] = dk[i/3][i%3]
		}
	}
	checkClose(t, "WinogradFilter", u, wantU)
	checkClose(t, "WinogradFilterGrad", dw, wantDw)
}

// TestWinogradConvolves runs the whole forward, transforms and the 16
// products, on every case in chunks of tiles, and compares it with the
// convolution computed from its definition in float64.
func TestWinogradConvolves(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, g := range wgCases() {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			x := randSlice(r, g.N*g.C*g.H*g.W)
			w := randSlice(r, g.Out*g.C*9)
			bias := randSlice(r, g.Out)
			pu := WinogradPlane(g.Out, g.C)
			u := make([]float32, 16*pu)
			WinogradFilter(u, w, g.Out, g.C)
			y := make([]float32, g.N*g.Out*g.OH*g.OW)
			T := g.Tiles()
			for t0 := 0; t0 < T; t0 += 5 { // chunks of 5 tiles cross rows and images
				t1 := min(t0+5, T)
				ld := WinogradLd(t1 - t0)
				pv, pm := WinogradPlane(g.C, ld), WinogradPlane(g.Out, ld)
				v := make([]float32, 16*pv)
				m := make([]float32, 16*pm)
				WinogradInput(v, x, g, t0, t1, 0, g.C)
				for xi := 0; xi < 16; xi++ {
					SgemmNaive(false, false, g.Out, t1-t0, g.C, 1, u[xi*pu:], g.C, v[xi*pv:], ld, 0, m[xi*pm:], ld)
				}
				WinogradOutput(y, m, bias, g, t0, t1, 0, g.Out)
			}
			want := make([]float64, len(y))
			for n := 0; n < g.N; n++ {
				for o := 0; o < g.Out; o++ {
					for i := 0; i < g.OH; i++ {
						for j := 0; j < g.OW; j++ {
							s := float64(bias[o])
							for c := 0; c < g.C; c++ {
								for p := 0; p < 3; p++ {
									for q := 0; q < 3; q++ {
										rr, cc := i-g.PH+p, j-g.PW+q
										if rr >= 0 && rr < g.H && cc >= 0 && cc < g.W {
											s += float64(w[((o*g.C+c)*3+p)*3+q]) * float64(x[((n*g.C+c)*g.H+rr)*g.W+cc])
										}
									}
								}
							}
							want[((n*g.Out+o)*g.OH+i)*g.OW+j] = s
						}
					}
				}
			}
			checkClose(t, "y", y, want)
		})
	}
}

func TestWinogradChecks(t *testing.T) {
	g := WinogradGeom{N: 1, C: 2, H: 4, W: 4, Out: 3, OH: 2, OW: 2}
	for name, fn := range map[string]func(){
		"tiles":   func() { WinogradInput(make([]float32, 64), make([]float32, 32), g, 0, 2, 0, 2) },
		"array":   func() { WinogradInput(make([]float32, 16), make([]float32, 32), g, 0, 1, 0, 2) },
		"image":   func() { WinogradOutput(make([]float32, 4), make([]float32, 48), nil, g, 0, 1, 0, 3) },
		"bias":    func() { WinogradOutput(make([]float32, 12), make([]float32, 48), []float32{1}, g, 0, 1, 0, 3) },
		"filter":  func() { WinogradFilter(make([]float32, 16*6), make([]float32, 9*5), 3, 2) },
		"channel": func() { WinogradOutputGrad(make([]float32, 48), make([]float32, 12), g, 0, 1, 0, 4) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}

// BenchmarkWinogradTransforms times each transform on a chunk of 256 tiles
// (16 tile rows of a 32×32 image, padding 1) and 64 channels, and reports
// nanoseconds per tile and channel:
//
//	go test -bench WinogradTransforms -run '^$' ./internal/kernels
func BenchmarkWinogradTransforms(b *testing.B) {
	g := WinogradGeom{N: 1, C: 64, H: 32, W: 32, Out: 64, PH: 1, PW: 1, OH: 32, OW: 32}
	r := rand.New(rand.NewPCG(1, 1))
	t0, t1 := 0, 256
	x, y := randSlice(r, g.C*g.H*g.W), randSlice(r, g.Out*g.OH*g.OW)
	d := randSlice(r, 16*WinogradPlane(g.C, WinogradLd(t1-t0)))
	bias := randSlice(r, g.Out)
	for _, tr := range []struct {
		name string
		f    func()
	}{
		{"input", func() { WinogradInput(d, x, g, t0, t1, 0, g.C) }},
		{"input-grad", func() { WinogradInputGrad(x, d, g, t0, t1, 0, g.C) }},
		{"output", func() { WinogradOutput(y, d, bias, g, t0, t1, 0, g.Out) }},
		{"output-grad", func() { WinogradOutputGrad(d, y, g, t0, t1, 0, g.Out) }},
	} {
		b.Run(tr.name, func(b *testing.B) {
			for b.Loop() {
				tr.f()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64((t1-t0)*g.C), "ns/tile-channel")
		})
	}
}
