package kernels

// ConvGeom is the geometry of a 2-D convolution over one image: a C×H×W
// input, a KH×KW kernel with strides SH, SW and dilations DH, DW, zero
// padding PH rows on top and PW columns on the left, and an OH×OW output.
//
// The output size is given rather than derived so that asymmetric padding
// (PyTorch's padding="same" with an even kernel) and the extra rows of a
// transposed convolution's output_padding need no other field: the padding
// on the bottom and right is whatever OH and OW imply. Usually
//
//	OH = (H + 2·PH − DH·(KH−1) − 1) / SH + 1
type ConvGeom struct {
	C, H, W int
	KH, KW  int
	SH, SW  int
	PH, PW  int
	DH, DW  int
	OH, OW  int
}

// ColRows returns the number of rows of the column matrix, C·KH·KW.
func (g ConvGeom) ColRows() int { return g.C * g.KH * g.KW }

// ColCols returns the number of columns of the column matrix, OH·OW.
func (g ConvGeom) ColCols() int { return g.OH * g.OW }

// validRange returns the outputs o in [lo, hi) ⊆ [0, n) whose input index
// o·stride + off falls inside [0, size); outside it lies the zero padding.
func validRange(off, stride, size, n int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if rest := size - off; rest > 0 {
		hi = (rest + stride - 1) / stride
	}
	hi = min(hi, n)
	lo = min(lo, hi)
	return lo, hi
}

// Im2col unfolds image x (C×H×W) into col, a (C·KH·KW)×(OH·OW) row-major
// matrix: row (c·KH + i)·KW + j, column oh·OW + ow holds
// x[c, oh·SH − PH + i·DH, ow·SW − PW + j·DW], or 0 where that is padding.
// A convolution is then one GEMM, weight [out, C·KH·KW] × col.
func Im2col(col, x []float32, g ConvGeom) { Im2colLd(col, g.ColCols(), x, g) }

// Im2colLd is Im2col into the first OH·OW columns of a matrix whose rows
// are ld ≥ OH·OW apart, so that the images of a batch can fill side-by-side
// column blocks of one [C·KH·KW, N·OH·OW] matrix; the other columns are
// left alone.
func Im2colLd(col []float32, ld int, x []float32, g ConvGeom) {
	hw, p := g.H*g.W, g.ColCols()
	_, _ = col[(g.ColRows()-1)*ld+p-1], x[g.C*hw-1]
	row := 0
	for c := 0; c < g.C; c++ {
		xc := x[c*hw : (c+1)*hw]
		for i := 0; i < g.KH; i++ {
			ohLo, ohHi := validRange(i*g.DH-g.PH, g.SH, g.H, g.OH)
			for j := 0; j < g.KW; j++ {
				dst := col[row*ld : row*ld+p]
				row++
				owLo, owHi := validRange(j*g.DW-g.PW, g.SW, g.W, g.OW)
				if owLo >= owHi {
					clear(dst)
					continue
				}
				clear(dst[:ohLo*g.OW])
				clear(dst[ohHi*g.OW:])
				for oh := ohLo; oh < ohHi; oh++ {
					d := dst[oh*g.OW : (oh+1)*g.OW]
					src := xc[(oh*g.SH-g.PH+i*g.DH)*g.W:]
					clear(d[:owLo])
					clear(d[owHi:])
					iw := owLo*g.SW - g.PW + j*g.DW
					if g.SW == 1 {
						copy(d[owLo:owHi], src[iw:])
						continue
					}
					for ow := owLo; ow < owHi; ow++ {
						d[ow] = src[iw]
						iw += g.SW
					}
				}
			}
		}
	}
}

// Col2im is the adjoint of Im2col: it adds every entry of col into the
// position of x it was read from (padding entries are dropped). x is
// accumulated into, not overwritten, so overlapping windows sum; zero it
// first for a plain transpose.
func Col2im(x, col []float32, g ConvGeom) { Col2imLd(x, col, g.ColCols(), g) }

// Col2imLd is Col2im from the first OH·OW columns of a matrix whose rows are
// ld apart (the adjoint of Im2colLd).
func Col2imLd(x, col []float32, ld int, g ConvGeom) {
	hw, p := g.H*g.W, g.ColCols()
	_, _ = col[(g.ColRows()-1)*ld+p-1], x[g.C*hw-1]
	row := 0
	for c := 0; c < g.C; c++ {
		xc := x[c*hw : (c+1)*hw]
		for i := 0; i < g.KH; i++ {
			ohLo, ohHi := validRange(i*g.DH-g.PH, g.SH, g.H, g.OH)
			for j := 0; j < g.KW; j++ {
				src := col[row*ld : row*ld+p]
				row++
				owLo, owHi := validRange(j*g.DW-g.PW, g.SW, g.W, g.OW)
				if owLo >= owHi {
					continue
				}
				for oh := ohLo; oh < ohHi; oh++ {
					s := src[oh*g.OW : (oh+1)*g.OW]
					dst := xc[(oh*g.SH-g.PH+i*g.DH)*g.W:]
					iw := owLo*g.SW - g.PW + j*g.DW
					if g.SW == 1 {
						AddTo(dst[iw:iw+owHi-owLo], s[owLo:owHi])
						continue
					}
					for ow := owLo; ow < owHi; ow++ {
						dst[iw] += s[ow]
						iw += g.SW
					}
				}
			}
		}
	}
}
