package kernels

import "fmt"

// Winograd F(2×2, 3×3) transforms (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016). A 3×3, stride-1 convolution is
// computed on 2×2 output tiles, each read from a 4×4 input window:
//
//	Y = Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A
//
//	Bᵀ = ⎡1  0 −1  0⎤   G = ⎡ 1   0   0⎤   Aᵀ = ⎡1 1  1  0⎤
//	     ⎢0  1  1  0⎥       ⎢ ½   ½   ½⎥        ⎣0 1 −1 −1⎦
//	     ⎢0 −1  1  0⎥       ⎢ ½  −½   ½⎥
//	     ⎣0  1  0 −1⎦       ⎣ 0   0   1⎦
//
// The 16 products ⊙ are summed over input channels, so that for each of the
// 16 positions ξ of the 4×4 Winograd domain the convolution is one matrix
// product, M[ξ] = U[ξ]·V[ξ] (out × in times in × tiles): 16·in·out
// multiplies per tile instead of im2col's 36·in·out, 2.25× fewer.
//
// The functions here are the transforms into and out of the Winograd
// domain and their adjoints for the backward pass; the caller runs the
// products with Sgemm. A transformed array of rows × ld holds 16 row-major
// matrices (position ξ = 4·i + j of the 4×4 tile), WinogradPlane(rows, ld)
// floats apart: row = channel, column = tile.
//
// Tiles are numbered over the whole batch, t = (n·TileRows() + ty)·
// TileCols() + tx, and a call handles a range [t0, t1): its arrays have
// t1 − t0 columns and the row stride ld = WinogradLd(t1 − t0). The tiles
// of one tile row inside the range form a run, and the run's columns hold
// its tiles in order except that each full group of 8 at the start of the run holds tiles 0 1 4 5 2 3 6 7 of the
// group: the order in which AVX2's in-lane shuffles produce them, so that
// no transform spends a cross-lane permute on it. The order is the same on
// every platform; only transforms (and column-wise products, which do not
// care) read the transformed arrays.

// WinogradGeom is the geometry of a 3×3, stride-1, undilated convolution of
// a batch [N, C, H, W] into [N, Out, OH, OW], with zero padding PH rows on
// top and PW columns on the left; the padding at the bottom and right is
// whatever OH and OW imply, as in ConvGeom. Output tile (ty, tx) covers
// outputs [2ty, 2ty+2) × [2tx, 2tx+2), reads the input window of 4×4 at
// (2ty − PH, 2tx − PW), zero outside the image, and drops outputs past
// OH or OW.
type WinogradGeom struct {
	N, C, H, W int
	Out        int
	PH, PW     int
	OH, OW     int
}

// TileRows returns the number of tile rows per image, ⌈OH/2⌉.
func (g WinogradGeom) TileRows() int { return (g.OH + 1) / 2 }

// TileCols returns the number of tile columns per image, ⌈OW/2⌉.
func (g WinogradGeom) TileCols() int { return (g.OW + 1) / 2 }

// Tiles returns the number of tiles in the batch, N·TileRows()·TileCols().
func (g WinogradGeom) Tiles() int { return g.N * g.TileRows() * g.TileCols() }

// WinogradLd returns the row stride of a transformed array of the given
// number of tiles: the least odd multiple of 16 that holds them, so that
// the products can read 16-column panels in place (winograd_gemm.go).
func WinogradLd(tiles int) int {
	p := max(1, (tiles+15)/16)
	if p%2 == 0 {
		p++
	}
	return 16 * p
}

// WinogradPlane returns the distance in floats between the 16 matrices of
// a transformed array of rows × ld: rows·ld rounded up to an odd multiple
// of 16. Matrices a multiple of 4 KiB apart would put the 16 streams a
// transform reads or writes into the same L1 sets.
func WinogradPlane(rows, ld int) int {
	p := (rows*ld + 15) / 16
	if p%2 == 0 {
		p++
	}
	return 16 * p
}

// wgPerm is the order of the tiles in a full group of 8 (an involution).
var wgPerm = [8]int{0, 1, 4, 5, 2, 3, 6, 7}

// wgSlot returns the column, relative to the run, of the k-th tile of a
// run of n tiles.
func wgSlot(k, n int) int {
	if k < n&^7 {
		return k&^7 | wgPerm[k&7]
	}
	return k
}

// wgAsmPrefix returns how many leading tiles of a run of n the assembly
// kernels take (whole groups of 8, then one of 4), given that only the
// first full tiles may be handed to them.
func wgAsmPrefix(n, full int) int {
	p := n &^ 3
	if p > full && p > n&^7 {
		p = n &^ 7
	}
	for p > full {
		p -= 8
	}
	return p
}

// check panics unless the tile range and the channel range lie inside the
// geometry and the slices hold what the call touches.
func (g WinogradGeom) check(fn string, t0, t1, c0, c1, channels int, domain, image []float32, imageSize int) {
	if t0 < 0 || t1 < t0 || t1 > g.Tiles() || c0 < 0 || c1 < c0 || c1 > channels {
		panic(fmt.Sprintf("kernels: %s: tiles [%d, %d) of %d, channels [%d, %d) of %d", fn, t0, t1, g.Tiles(), c0, c1, channels))
	}
	if need := 16 * WinogradPlane(channels, WinogradLd(t1-t0)); len(domain) < need {
		panic(fmt.Sprintf("kernels: %s: transformed array of %d, need %d (16 planes of %d×%d)", fn, len(domain), need, channels, WinogradLd(t1-t0)))
	}
	if len(image) < imageSize {
		panic(fmt.Sprintf("kernels: %s: image array of %d, need %d", fn, len(image), imageSize))
	}
}

// segments calls fn for each image's share of the tiles [t0, t1): image n,
// its tiles [a, b) in the image's own numbering, and j, the column of the
// first of them in the transformed array.
func (g WinogradGeom) segments(t0, t1 int, fn func(n, a, b, j int)) {
	per := g.TileRows() * g.TileCols()
	for t := t0; t < t1; {
		n, a := t/per, t%per
		b := min(per, a+t1-t)
		fn(n, a, b, t-t0)
		t += b - a
	}
}

// runs calls fn for each tile row ty crossed by the image tiles [a, b):
// the run covers tile columns [lo, hi) and starts at column j of the
// transformed array (j of tile a given).
func (g WinogradGeom) runs(a, b, j int, fn func(ty, lo, hi, j int)) {
	tw := g.TileCols()
	for ty := a / tw; ty*tw < b; ty++ {
		lo, hi := max(a, ty*tw)-ty*tw, min(b, (ty+1)*tw)-ty*tw
		fn(ty, lo, hi, j+ty*tw+lo-a)
	}
}

// band is a zero-padded copy of the input rows a segment's windows read:
// rows 2·tyA − PH … 2·tyB − PH + 3 for tile rows tyA … tyB, columns
// −PW … 2·TileCols() − PW + 1, so that every window lies inside it.
type band struct {
	ty0, r0, rows, wp int // first tile row and its first image row
	data              []float32
}

func (g WinogradGeom) band(buf *[]float32, a, b int) band {
	tw := g.TileCols()
	tyA, tyB := a/tw, (b-1)/tw
	bd := band{ty0: tyA, r0: 2*tyA - g.PH, rows: 2*(tyB-tyA) + 4, wp: 2*tw + 2}
	if n := bd.rows * bd.wp; cap(*buf) < n {
		*buf = make([]float32, n)
	}
	bd.data = (*buf)[:bd.rows*bd.wp]
	return bd
}

// window returns the band from the top-left of tile (ty, tx)'s window on.
func (bd band) window(ty, tx int) []float32 { return bd.data[2*(ty-bd.ty0)*bd.wp+2*tx:] }

// imageRows returns the band rows [i0, i1) that lie inside an image of h
// rows, and the image row of i0.
func (bd band) imageRows(h int) (i0, i1, r int) {
	i0 = max(0, -bd.r0)
	i1 = min(bd.rows, h-bd.r0)
	return i0, max(i0, i1), bd.r0 + i0
}

// WinogradFilter transforms weights w [out][in][3][3] into u, 16 matrices
// of out × in, WinogradPlane(out, in) apart: u[ξ][o][c] = (G·w[o][c]·Gᵀ)[ξ].
func WinogradFilter(u, w []float32, out, in int) {
	n, plane := out*in, WinogradPlane(out, in)
	if len(w) < 9*n || len(u) < 16*plane {
		panic(fmt.Sprintf("kernels: WinogradFilter: len(w) = %d, len(u) = %d for out=%d, in=%d", len(w), len(u), out, in))
	}
	for k := 0; k < n; k++ {
		f := (*[9]float32)(w[9*k:])
		// G·f: rows f0, (f0+f1+f2)/2, (f0−f1+f2)/2, f2 (each a row of 3).
		var r [4][3]float32
		for j := 0; j < 3; j++ {
			a, b, c := f[j], f[3+j], f[6+j]
			r[0][j], r[1][j], r[2][j], r[3][j] = a, (a+b+c)/2, (a-b+c)/2, c
		}
		// (G·f)·Gᵀ: each row (a, b, c) → (a, (a+b+c)/2, (a−b+c)/2, c).
		for i := 0; i < 4; i++ {
			a, b, c := r[i][0], r[i][1], r[i][2]
			u[(4*i)*plane+k] = a
			u[(4*i+1)*plane+k] = (a + b + c) / 2
			u[(4*i+2)*plane+k] = (a - b + c) / 2
			u[(4*i+3)*plane+k] = c
		}
	}
}

// WinogradFilterGrad is the adjoint of WinogradFilter: it writes
// dw[o][c] = Gᵀ·du[o][c]·G (a 3×3 from a 4×4), du laid out as u.
func WinogradFilterGrad(dw, du []float32, out, in int) {
	n, plane := out*in, WinogradPlane(out, in)
	if len(dw) < 9*n || len(du) < 16*plane {
		panic(fmt.Sprintf("kernels: WinogradFilterGrad: len(dw) = %d, len(du) = %d for out=%d, in=%d", len(dw), len(du), out, in))
	}
	for k := 0; k < n; k++ {
		// Gᵀ·du: rows u0 + (u1+u2)/2, (u1−u2)/2, (u1+u2)/2 + u3 (rows of 4).
		var r [3][4]float32
		for j := 0; j < 4; j++ {
			a, b, c, d := du[j*plane+k], du[(4+j)*plane+k], du[(8+j)*plane+k], du[(12+j)*plane+k]
			r[0][j], r[1][j], r[2][j] = a+(b+c)/2, (b-c)/2, (b+c)/2+d
		}
		// (Gᵀ·du)·G: each row (a, b, c, d) → (a + (b+c)/2, (b−c)/2, (b+c)/2 + d).
		f := (*[9]float32)(dw[9*k:])
		for i := 0; i < 3; i++ {
			a, b, c, d := r[i][0], r[i][1], r[i][2], r[i][3]
			f[3*i], f[3*i+1], f[3*i+2] = a+(b+c)/2, (b-c)/2, (b+c)/2+d
		}
	}
}

// WinogradInput transforms the input windows of tiles [t0, t1) and
// channels [c0, c1) of the batch x [N][C][H][W] into v, C × (t1−t0):
// v[ξ][c][tile] = (Bᵀ·d·B)[ξ] with d the tile's 4×4 window in channel c.
// Channels outside [c0, c1) are left alone, so that calls on disjoint
// channel ranges can run in parallel.
func WinogradInput(v, x []float32, g WinogradGeom, t0, t1, c0, c1 int) {
	g.check("WinogradInput", t0, t1, c0, c1, g.C, v, x, g.N*g.C*g.H*g.W)
	ld := WinogradLd(t1 - t0)
	plane := WinogradPlane(g.C, ld)
	hw := g.H * g.W
	var buf []float32
	g.segments(t0, t1, func(n, a, b, j int) {
		bd := g.band(&buf, a, b)
		clear(bd.data) // the padding; the image rows are copied in below
		i0, i1, r := bd.imageRows(g.H)
		w := min(g.W, bd.wp-g.PW) // columns past the last window are never read
		for c := c0; c < c1; c++ {
			xc := x[(n*g.C+c)*hw : (n*g.C+c+1)*hw]
			for i := i0; i < i1; i++ {
				copy(bd.data[i*bd.wp+g.PW:i*bd.wp+g.PW+w], xc[(r+i-i0)*g.W:])
			}
			g.runs(a, b, j, func(ty, lo, hi, j int) {
				wgInputRun(v[c*ld+j:], plane, bd.window(ty, lo), bd.wp, hi-lo)
			})
		}
	})
}

// WinogradInputGrad is the adjoint of WinogradInput: for tiles [t0, t1)
// and channels [c0, c1) it adds B·dv·Bᵀ, dv laid out as v, into the
// windows of dx [N][C][H][W], dropping what falls on the padding.
// Neighbouring windows overlap, so calls that run in parallel must not
// share an image and a channel.
func WinogradInputGrad(dx, dv []float32, g WinogradGeom, t0, t1, c0, c1 int) {
	g.check("WinogradInputGrad", t0, t1, c0, c1, g.C, dv, dx, g.N*g.C*g.H*g.W)
	ld := WinogradLd(t1 - t0)
	plane := WinogradPlane(g.C, ld)
	hw := g.H * g.W
	var buf []float32
	g.segments(t0, t1, func(n, a, b, j int) {
		bd := g.band(&buf, a, b)
		i0, i1, r := bd.imageRows(g.H)
		w := min(g.W, bd.wp-g.PW)
		for c := c0; c < c1; c++ {
			clear(bd.data)
			g.runs(a, b, j, func(ty, lo, hi, j int) {
				wgInputGradRun(bd.window(ty, lo), bd.wp, dv[c*ld+j:], plane, hi-lo)
			})
			xc := dx[(n*g.C+c)*hw : (n*g.C+c+1)*hw]
			for i := i0; i < i1; i++ {
				AddTo(xc[(r+i-i0)*g.W:][:w], bd.data[i*bd.wp+g.PW:][:w])
			}
		}
	})
}

// WinogradOutput transforms m, Out × (t1−t0), back into the output tiles
// [t0, t1) of y [N][Out][OH][OW] for output channels [o0, o1):
// y tile = Aᵀ·m·A + bias[o] (bias may be nil), outputs past OH or OW
// dropped.
func WinogradOutput(y, m, bias []float32, g WinogradGeom, t0, t1, o0, o1 int) {
	g.check("WinogradOutput", t0, t1, o0, o1, g.Out, m, y, g.N*g.Out*g.OH*g.OW)
	if bias != nil && len(bias) < g.Out {
		panic(fmt.Sprintf("kernels: WinogradOutput: len(bias) = %d < %d output channels", len(bias), g.Out))
	}
	ld := WinogradLd(t1 - t0)
	plane := WinogradPlane(g.Out, ld)
	ohw := g.OH * g.OW
	g.segments(t0, t1, func(n, a, b, j int) {
		for o := o0; o < o1; o++ {
			var bo float32
			if bias != nil {
				bo = bias[o]
			}
			yo := y[(n*g.Out+o)*ohw : (n*g.Out+o+1)*ohw]
			g.runs(a, b, j, func(ty, lo, hi, j int) {
				h, w := min(2, g.OH-2*ty), g.OW-2*lo
				wgOutputRun(yo[2*ty*g.OW+2*lo:], g.OW, h, w, m[o*ld+j:], plane, hi-lo, bo)
			})
		}
	})
}

// WinogradOutputGrad is the adjoint of WinogradOutput without the bias: it
// writes dm, laid out as m, = A·dY·Aᵀ for tiles [t0, t1) and output
// channels [o0, o1), where dY is the 2×2 tile of dy [N][Out][OH][OW], zero
// past OH or OW.
func WinogradOutputGrad(dm, dy []float32, g WinogradGeom, t0, t1, o0, o1 int) {
	g.check("WinogradOutputGrad", t0, t1, o0, o1, g.Out, dm, dy, g.N*g.Out*g.OH*g.OW)
	ld := WinogradLd(t1 - t0)
	plane := WinogradPlane(g.Out, ld)
	ohw := g.OH * g.OW
	g.segments(t0, t1, func(n, a, b, j int) {
		for o := o0; o < o1; o++ {
			yo := dy[(n*g.Out+o)*ohw : (n*g.Out+o+1)*ohw]
			g.runs(a, b, j, func(ty, lo, hi, j int) {
				h, w := min(2, g.OH-2*ty), g.OW-2*lo
				wgOutputGradRun(dm[o*ld+j:], plane, yo[2*ty*g.OW+2*lo:], g.OW, h, w, hi-lo)
			})
		}
	})
}

// The run kernels below transform one run of n tiles; the dispatchers in
// winograd_amd64.go / winograd_noasm.go hand a prefix to assembly and call
// these for the rest. They are also the reference the assembly is tested
// against. A run's windows start 2 columns apart in x (row stride ldx);
// its transformed columns start at v[0], planes plane apart.

// wgInputRunGo transforms tiles [k0, k1) of a run of n.
func wgInputRunGo(v []float32, plane int, x []float32, ldx, n, k0, k1 int) {
	for k := k0; k < k1; k++ {
		var d [16]float32
		for i := 0; i < 4; i++ {
			s := (*[4]float32)(x[i*ldx+2*k:])
			d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = s[0], s[1], s[2], s[3]
		}
		// Bᵀ·d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
		var r [16]float32
		for c := 0; c < 4; c++ {
			r[c], r[4+c], r[8+c], r[12+c] = d[c]-d[8+c], d[4+c]+d[8+c], d[8+c]-d[4+c], d[4+c]-d[12+c]
		}
		// (Bᵀ·d)·B: the same combination of the columns.
		s := wgSlot(k, n)
		for i := 0; i < 4; i++ {
			a, b, c, e := r[4*i], r[4*i+1], r[4*i+2], r[4*i+3]
			v[(4*i)*plane+s] = a - c
			v[(4*i+1)*plane+s] = b + c
			v[(4*i+2)*plane+s] = c - b
			v[(4*i+3)*plane+s] = b - e
		}
	}
}

// wgInputGradRunGo adds B·dv·Bᵀ of tiles [k0, k1) of a run of n into
// their windows of dx.
func wgInputGradRunGo(dx []float32, ldx int, dv []float32, plane, n, k0, k1 int) {
	for k := k0; k < k1; k++ {
		s := wgSlot(k, n)
		// dv·Bᵀ: each row (a0..a3) → (a0, a1 − a2 + a3, a1 + a2 − a0, −a3).
		var r [16]float32
		for i := 0; i < 4; i++ {
			a, b, c, e := dv[(4*i)*plane+s], dv[(4*i+1)*plane+s], dv[(4*i+2)*plane+s], dv[(4*i+3)*plane+s]
			r[4*i], r[4*i+1], r[4*i+2], r[4*i+3] = a, b-c+e, b+c-a, -e
		}
		// B·(dv·Bᵀ): the same combination of the rows.
		for c := 0; c < 4; c++ {
			a, b, cc, e := r[c], r[4+c], r[8+c], r[12+c]
			r[c], r[4+c], r[8+c], r[12+c] = a, b-cc+e, b+cc-a, -e
		}
		for i := 0; i < 4; i++ {
			d := (*[4]float32)(dx[i*ldx+2*k:])
			d[0] += r[4*i]
			d[1] += r[4*i+1]
			d[2] += r[4*i+2]
			d[3] += r[4*i+3]
		}
	}
}

// wgOutputRunGo writes Aᵀ·m·A + bias of tiles [k0, k1) of a run of n
// into y, keeping only the first h rows and w columns of the run's outputs.
func wgOutputRunGo(y []float32, ldy, h, w int, m []float32, plane, n, k0, k1 int, bias float32) {
	for k := k0; k < k1; k++ {
		s := wgSlot(k, n)
		// Aᵀ·m: rows m0 + m1 + m2 and m1 − m2 − m3 (rows of 4).
		var r [8]float32
		for c := 0; c < 4; c++ {
			a, b, cc, d := m[c*plane+s], m[(4+c)*plane+s], m[(8+c)*plane+s], m[(12+c)*plane+s]
			r[c], r[4+c] = a+b+cc, b-cc-d
		}
		// (Aᵀ·m)·A: each row (a, b, c, d) → (a + b + c, b − c − d).
		out := [4]float32{r[0] + r[1] + r[2] + bias, r[1] - r[2] - r[3] + bias, r[4] + r[5] + r[6] + bias, r[5] - r[6] - r[7] + bias}
		for i := 0; i < h; i++ {
			for c := 0; c < 2 && 2*k+c < w; c++ {
				y[i*ldy+2*k+c] = out[2*i+c]
			}
		}
	}
}

// wgOutputGradRunGo writes A·dY·Aᵀ of tiles [k0, k1) of a run of n, dY
// read from dy where it lies in the first h rows and w columns.
func wgOutputGradRunGo(dm []float32, plane int, dy []float32, ldy, h, w, n, k0, k1 int) {
	for k := k0; k < k1; k++ {
		var t [4]float32 // the tile [[p q] [r s]]
		for i := 0; i < h; i++ {
			for c := 0; c < 2 && 2*k+c < w; c++ {
				t[2*i+c] = dy[i*ldy+2*k+c]
			}
		}
		p, q, r, s := t[0], t[1], t[2], t[3]
		// A·dY: rows (p q), (p+r q+s), (p−r q−s), (−r −s); then each row
		// (a, b)·Aᵀ → (a, a + b, a − b, −b).
		rows := [4][2]float32{{p, q}, {p + r, q + s}, {p - r, q - s}, {-r, -s}}
		col := wgSlot(k, n)
		for i := 0; i < 4; i++ {
			a, b := rows[i][0], rows[i][1]
			dm[(4*i)*plane+col] = a
			dm[(4*i+1)*plane+col] = a + b
			dm[(4*i+2)*plane+col] = a - b
			dm[(4*i+3)*plane+col] = -b
		}
	}
}
