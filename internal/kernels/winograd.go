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
// domain, and their adjoints for the backward pass; the caller runs the
// products with Sgemm. Transformed arrays have the layout [16][rows][ld]:
// position ξ = 4·i + j of the 4×4 tile, then channel, then tile, so that
// each M[ξ], U[ξ], V[ξ] is a row-major matrix and a transform writes 16
// contiguous streams. Tiles are numbered over the whole batch,
// t = (n·TileRows() + ty)·TileCols() + tx, and a call handles the range
// [t0, t1): its arrays have ld = t1 − t0 columns.

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

// check panics unless the tile range and the channel range lie inside the
// geometry and the slices hold what the call touches.
func (g WinogradGeom) check(fn string, t0, t1, c0, c1, channels int, domain, image []float32, imageSize int) {
	if t0 < 0 || t1 < t0 || t1 > g.Tiles() || c0 < 0 || c1 < c0 || c1 > channels {
		panic(fmt.Sprintf("kernels: %s: tiles [%d, %d) of %d, channels [%d, %d) of %d", fn, t0, t1, g.Tiles(), c0, c1, channels))
	}
	if len(domain) < 16*channels*(t1-t0) {
		panic(fmt.Sprintf("kernels: %s: transformed array of %d, need 16×%d×%d", fn, len(domain), channels, t1-t0))
	}
	if len(image) < imageSize {
		panic(fmt.Sprintf("kernels: %s: image array of %d, need %d", fn, len(image), imageSize))
	}
}

// tileCursor walks the tiles of a range in order: image n, tile row ty,
// tile column tx.
type tileCursor struct{ n, ty, tx, rows, cols int }

func (g WinogradGeom) cursor(t int) tileCursor {
	rows, cols := g.TileRows(), g.TileCols()
	per := rows * cols
	return tileCursor{n: t / per, ty: t % per / cols, tx: t % cols, rows: rows, cols: cols}
}

func (c *tileCursor) next() {
	c.tx++
	if c.tx == c.cols {
		c.tx = 0
		c.ty++
		if c.ty == c.rows {
			c.ty = 0
			c.n++
		}
	}
}

// WinogradFilter transforms weights w [out][in][3][3] into u [16][out][in]:
// u[ξ][o][c] = (G·w[o][c]·Gᵀ)[ξ].
func WinogradFilter(u, w []float32, out, in int) {
	n := out * in
	if len(w) < 9*n || len(u) < 16*n {
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
			u[(4*i)*n+k] = a
			u[(4*i+1)*n+k] = (a + b + c) / 2
			u[(4*i+2)*n+k] = (a - b + c) / 2
			u[(4*i+3)*n+k] = c
		}
	}
}

// WinogradFilterGrad is the adjoint of WinogradFilter: it writes
// dw[o][c] = Gᵀ·du[o][c]·G (a 3×3 from a 4×4) for du [16][out][in].
func WinogradFilterGrad(dw, du []float32, out, in int) {
	n := out * in
	if len(dw) < 9*n || len(du) < 16*n {
		panic(fmt.Sprintf("kernels: WinogradFilterGrad: len(dw) = %d, len(du) = %d for out=%d, in=%d", len(dw), len(du), out, in))
	}
	for k := 0; k < n; k++ {
		// Gᵀ·du: rows u0 + (u1+u2)/2, (u1−u2)/2, (u1+u2)/2 + u3 (rows of 4).
		var r [3][4]float32
		for j := 0; j < 4; j++ {
			a, b, c, d := du[j*n+k], du[(4+j)*n+k], du[(8+j)*n+k], du[(12+j)*n+k]
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
// channels [c0, c1) of the batch x [N][C][H][W] into v [16][C][t1−t0]:
// v[ξ][c][t−t0] = (Bᵀ·d·B)[ξ] with d the 4×4 window of tile t in channel c.
// Channels outside [c0, c1) are left alone, so that calls on disjoint
// channel ranges can run in parallel.
func WinogradInput(v, x []float32, g WinogradGeom, t0, t1, c0, c1 int) {
	g.check("WinogradInput", t0, t1, c0, c1, g.C, v, x, g.N*g.C*g.H*g.W)
	ld := t1 - t0
	plane := g.C * ld
	hw := g.H * g.W
	for c := c0; c < c1; c++ {
		cur := g.cursor(t0)
		vc := v[c*ld : c*ld+15*plane+ld]
		for j := 0; j < ld; j++ {
			var d [16]float32
			g.window(&d, x[(cur.n*g.C+c)*hw:][:hw], cur.ty, cur.tx)
			// Bᵀ·d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
			var r [16]float32
			for k := 0; k < 4; k++ {
				r[k], r[4+k], r[8+k], r[12+k] = d[k]-d[8+k], d[4+k]+d[8+k], d[8+k]-d[4+k], d[4+k]-d[12+k]
			}
			// (Bᵀ·d)·B: the same combination of the columns.
			for i := 0; i < 4; i++ {
				a, b, cc, e := r[4*i], r[4*i+1], r[4*i+2], r[4*i+3]
				vc[(4*i)*plane+j] = a - cc
				vc[(4*i+1)*plane+j] = b + cc
				vc[(4*i+2)*plane+j] = cc - b
				vc[(4*i+3)*plane+j] = b - e
			}
			cur.next()
		}
	}
}

// window copies the 4×4 input window of tile (ty, tx) from one channel xc
// [H][W] into d, with zeros where it hangs over the image.
func (g WinogradGeom) window(d *[16]float32, xc []float32, ty, tx int) {
	r0, q0 := 2*ty-g.PH, 2*tx-g.PW
	if r0 >= 0 && r0+4 <= g.H && q0 >= 0 && q0+4 <= g.W {
		for i := 0; i < 4; i++ {
			s := (*[4]float32)(xc[(r0+i)*g.W+q0:])
			d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = s[0], s[1], s[2], s[3]
		}
		return
	}
	for i := 0; i < 4; i++ {
		r := r0 + i
		for k := 0; k < 4; k++ {
			q := q0 + k
			if r >= 0 && r < g.H && q >= 0 && q < g.W {
				d[4*i+k] = xc[r*g.W+q]
			} else {
				d[4*i+k] = 0
			}
		}
	}
}

// WinogradInputGrad is the adjoint of WinogradInput: for tiles [t0, t1)
// and channels [c0, c1) it adds B·dv·Bᵀ, with dv [16][C][t1−t0], into
// the windows of dx [N][C][H][W], dropping what falls on the padding.
// Neighbouring windows overlap, so calls that run in parallel must not
// share an image and a channel.
func WinogradInputGrad(dx, dv []float32, g WinogradGeom, t0, t1, c0, c1 int) {
	g.check("WinogradInputGrad", t0, t1, c0, c1, g.C, dv, dx, g.N*g.C*g.H*g.W)
	ld := t1 - t0
	plane := g.C * ld
	hw := g.H * g.W
	for c := c0; c < c1; c++ {
		cur := g.cursor(t0)
		vc := dv[c*ld : c*ld+15*plane+ld]
		for j := 0; j < ld; j++ {
			// dv·Bᵀ: each row (a0..a3) → (a0, a1 − a2 + a3, a1 + a2 − a0, −a3).
			var r [16]float32
			for i := 0; i < 4; i++ {
				a, b, cc, e := vc[(4*i)*plane+j], vc[(4*i+1)*plane+j], vc[(4*i+2)*plane+j], vc[(4*i+3)*plane+j]
				r[4*i], r[4*i+1], r[4*i+2], r[4*i+3] = a, b-cc+e, b+cc-a, -e
			}
			// B·(dv·Bᵀ): the same combination of the rows.
			var d [16]float32
			for k := 0; k < 4; k++ {
				a, b, cc, e := r[k], r[4+k], r[8+k], r[12+k]
				d[k], d[4+k], d[8+k], d[12+k] = a, b-cc+e, b+cc-a, -e
			}
			g.addWindow(dx[(cur.n*g.C+c)*hw:][:hw], &d, cur.ty, cur.tx)
			cur.next()
		}
	}
}

// addWindow adds d into the 4×4 window of tile (ty, tx) of one channel
// xc [H][W], dropping the entries that fall outside the image.
func (g WinogradGeom) addWindow(xc []float32, d *[16]float32, ty, tx int) {
	r0, q0 := 2*ty-g.PH, 2*tx-g.PW
	if r0 >= 0 && r0+4 <= g.H && q0 >= 0 && q0+4 <= g.W {
		for i := 0; i < 4; i++ {
			s := (*[4]float32)(xc[(r0+i)*g.W+q0:])
			s[0] += d[4*i]
			s[1] += d[4*i+1]
			s[2] += d[4*i+2]
			s[3] += d[4*i+3]
		}
		return
	}
	for i := 0; i < 4; i++ {
		r := r0 + i
		for k := 0; k < 4; k++ {
			q := q0 + k
			if r >= 0 && r < g.H && q >= 0 && q < g.W {
				xc[r*g.W+q] += d[4*i+k]
			}
		}
	}
}

// WinogradOutput transforms m [16][Out][t1−t0] back into the output tiles
// [t0, t1) of y [N][Out][OH][OW] for output channels [o0, o1):
// y tile = Aᵀ·m·A + bias[o] (bias may be nil), outputs past OH or OW
// dropped.
func WinogradOutput(y, m, bias []float32, g WinogradGeom, t0, t1, o0, o1 int) {
	g.check("WinogradOutput", t0, t1, o0, o1, g.Out, m, y, g.N*g.Out*g.OH*g.OW)
	if bias != nil && len(bias) < g.Out {
		panic(fmt.Sprintf("kernels: WinogradOutput: len(bias) = %d < %d output channels", len(bias), g.Out))
	}
	ld := t1 - t0
	plane := g.Out * ld
	ohw := g.OH * g.OW
	for o := o0; o < o1; o++ {
		var b float32
		if bias != nil {
			b = bias[o]
		}
		cur := g.cursor(t0)
		mo := m[o*ld : o*ld+15*plane+ld]
		for j := 0; j < ld; j++ {
			// Aᵀ·m: rows m0 + m1 + m2 and m1 − m2 − m3 (rows of 4).
			var r [8]float32
			for k := 0; k < 4; k++ {
				a, bb, c, d := mo[k*plane+j], mo[(4+k)*plane+j], mo[(8+k)*plane+j], mo[(12+k)*plane+j]
				r[k], r[4+k] = a+bb+c, bb-c-d
			}
			// (Aᵀ·m)·A: each row (a, b, c, d) → (a + b + c, b − c − d).
			y00, y01 := r[0]+r[1]+r[2]+b, r[1]-r[2]-r[3]+b
			y10, y11 := r[4]+r[5]+r[6]+b, r[5]-r[6]-r[7]+b
			yo := y[(cur.n*g.Out+o)*ohw:][:ohw]
			i, k := 2*cur.ty, 2*cur.tx
			if i+1 < g.OH && k+1 < g.OW {
				yo[i*g.OW+k], yo[i*g.OW+k+1] = y00, y01
				yo[(i+1)*g.OW+k], yo[(i+1)*g.OW+k+1] = y10, y11
			} else {
				yo[i*g.OW+k] = y00
				if k+1 < g.OW {
					yo[i*g.OW+k+1] = y01
				}
				if i+1 < g.OH {
					yo[(i+1)*g.OW+k] = y10
				}
			}
			cur.next()
		}
	}
}

// WinogradOutputGrad is the adjoint of WinogradOutput without the bias: it
// writes dm [16][Out][t1−t0] = A·dY·Aᵀ for tiles [t0, t1) and output
// channels [o0, o1), where dY is the 2×2 tile of dy [N][Out][OH][OW], zero
// past OH or OW.
func WinogradOutputGrad(dm, dy []float32, g WinogradGeom, t0, t1, o0, o1 int) {
	g.check("WinogradOutputGrad", t0, t1, o0, o1, g.Out, dm, dy, g.N*g.Out*g.OH*g.OW)
	ld := t1 - t0
	plane := g.Out * ld
	ohw := g.OH * g.OW
	for o := o0; o < o1; o++ {
		cur := g.cursor(t0)
		mo := dm[o*ld : o*ld+15*plane+ld]
		for j := 0; j < ld; j++ {
			yo := dy[(cur.n*g.Out+o)*ohw:][:ohw]
			i, k := 2*cur.ty, 2*cur.tx
			var p, q, r, s float32 // the tile [[p q] [r s]]
			if i+1 < g.OH && k+1 < g.OW {
				p, q = yo[i*g.OW+k], yo[i*g.OW+k+1]
				r, s = yo[(i+1)*g.OW+k], yo[(i+1)*g.OW+k+1]
			} else {
				p = yo[i*g.OW+k]
				if k+1 < g.OW {
					q = yo[i*g.OW+k+1]
				}
				if i+1 < g.OH {
					r = yo[(i+1)*g.OW+k]
				}
			}
			// A·dY: rows (p q), (p+r q+s), (p−r q−s), (−r −s); then each row
			// (a, b)·Aᵀ → (a, a + b, a − b, −b).
			rows := [4][2]float32{{p, q}, {p + r, q + s}, {p - r, q - s}, {-r, -s}}
			for a := 0; a < 4; a++ {
				u, w := rows[a][0], rows[a][1]
				mo[(4*a)*plane+j] = u
				mo[(4*a+1)*plane+j] = u + w
				mo[(4*a+2)*plane+j] = u - w
				mo[(4*a+3)*plane+j] = -w
			}
			cur.next()
		}
	}
}
