package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// im2colNaive is the reference: one entry at a time, straight from the
// definition, with the padding test written out.
func im2colNaive(col, x []float32, g ConvGeom) {
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := (c*g.KH+i)*g.KW + j
				for oh := 0; oh < g.OH; oh++ {
					for ow := 0; ow < g.OW; ow++ {
						ih, iw := oh*g.SH-g.PH+i*g.DH, ow*g.SW-g.PW+j*g.DW
						v := float32(0)
						if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
							v = x[(c*g.H+ih)*g.W+iw]
						}
						col[row*g.OH*g.OW+oh*g.OW+ow] = v
					}
				}
			}
		}
	}
}

// col2imNaive is the reference adjoint: x[...] += col[...] entry by entry.
func col2imNaive(x, col []float32, g ConvGeom) {
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := (c*g.KH+i)*g.KW + j
				for oh := 0; oh < g.OH; oh++ {
					for ow := 0; ow < g.OW; ow++ {
						ih, iw := oh*g.SH-g.PH+i*g.DH, ow*g.SW-g.PW+j*g.DW
						if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
							x[(c*g.H+ih)*g.W+iw] += col[row*g.OH*g.OW+oh*g.OW+ow]
						}
					}
				}
			}
		}
	}
}

// im2colCases are awkward geometries: sizes 1 and 7, kernels larger than
// the image, padding larger than the kernel, asymmetric (implied) padding,
// and output sizes that leave the bottom/right unread or over-padded.
func im2colCases() []ConvGeom {
	gs := []ConvGeom{
		{C: 1, H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1},
		{C: 3, H: 7, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1},
		{C: 2, H: 7, W: 9, KH: 3, KW: 2, SH: 2, SW: 3, PH: 1, PW: 0, DH: 1, DW: 1},
		{C: 2, H: 9, W: 8, KH: 3, KW: 3, SH: 1, SW: 2, PH: 2, PW: 2, DH: 2, DW: 3},
		{C: 1, H: 2, W: 3, KH: 5, KW: 4, SH: 1, SW: 1, PH: 3, PW: 4, DH: 1, DW: 1},
		{C: 5, H: 31, W: 17, KH: 4, KW: 1, SH: 3, SW: 1, PH: 0, PW: 0, DH: 1, DW: 1},
		{C: 1, H: 6, W: 6, KH: 2, KW: 2, SH: 1, SW: 1, PH: 0, PW: 0, DH: 1, DW: 1, OH: 6, OW: 6}, // "same", even kernel
		{C: 2, H: 8, W: 7, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1, OH: 4, OW: 4}, // transposed conv with output_padding
	}
	for i := range gs {
		g := &gs[i]
		if g.OH == 0 {
			g.OH = (g.H+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
			g.OW = (g.W+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
		}
	}
	return gs
}

func TestIm2colMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, g := range im2colCases() {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			x := make([]float32, g.C*g.H*g.W)
			for i := range x {
				x[i] = rng.Float32()*2 - 1
			}
			got, want := make([]float32, g.ColRows()*g.ColCols()), make([]float32, g.ColRows()*g.ColCols())
			for i := range got {
				got[i] = float32(i) // stale values must be overwritten
			}
			Im2col(got, x, g)
			im2colNaive(want, x, g)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("Im2col[%d] = %g, want %g", i, got[i], want[i])
				}
			}

			col := make([]float32, g.ColRows()*g.ColCols())
			for i := range col {
				col[i] = rng.Float32()*2 - 1
			}
			gx, wx := make([]float32, len(x)), make([]float32, len(x))
			for i := range gx {
				gx[i], wx[i] = 1, 1 // Col2im accumulates
			}
			Col2im(gx, col, g)
			col2imNaive(wx, col, g)
			for i := range gx {
				if d := gx[i] - wx[i]; d > 1e-5 || d < -1e-5 {
					t.Fatalf("Col2im[%d] = %g, want %g", i, gx[i], wx[i])
				}
			}
		})
	}
}

// Im2colLd and Col2imLd with a wider row stride touch only their column
// block and agree with the plain versions.
func TestIm2colLdBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, g := range im2colCases() {
		p, rows := g.ColCols(), g.ColRows()
		ld, off := 3*p+5, p+2 // a block in the middle of wider rows
		x := make([]float32, g.C*g.H*g.W)
		for i := range x {
			x[i] = rng.Float32()*2 - 1
		}
		wide := make([]float32, rows*ld)
		for i := range wide {
			wide[i] = -7
		}
		Im2colLd(wide[off:], ld, x, g)
		want := make([]float32, rows*p)
		Im2col(want, x, g)
		for r := 0; r < rows; r++ {
			for c := 0; c < ld; c++ {
				v := wide[r*ld+c]
				if c >= off && c < off+p {
					if v != want[r*p+c-off] {
						t.Fatalf("%+v: Im2colLd[%d,%d] = %g, want %g", g, r, c, v, want[r*p+c-off])
					}
				} else if v != -7 && r*ld+c < len(wide) {
					t.Fatalf("%+v: Im2colLd wrote outside its block at [%d,%d]", g, r, c)
				}
			}
		}
		gx, wx := make([]float32, len(x)), make([]float32, len(x))
		Col2imLd(gx, wide[off:], ld, g)
		Col2im(wx, want, g)
		for i := range gx {
			if gx[i] != wx[i] {
				t.Fatalf("%+v: Col2imLd[%d] = %g, want %g", g, i, gx[i], wx[i])
			}
		}
	}
}
