package kernels

import "fmt"

// Kernels for direct (im2col-free) stride-1 convolution.
//
// A stride-1, undilated convolution over an image zero-padded to Hp×Wp and
// laid out row after row can be read as a matrix product whose B operand
// is never built: with every output computed on the padded width Wp (the
// last Wp−OW columns of each output row are thrown away),
//
//	y[o, p] = Σ_r w[o, r] · x[offs[r] + p],   offs[(c,kh,kw)] = c·Hp·Wp + kh·Wp + kw,
//
// so row r of the im2col matrix is x itself read from offset offs[r]. The
// weight gradient is the same identity the other way round, a grid of dot
// products of contiguous runs,
//
//	dW[o, r] = Σ_p dy[o, p] · x[offs[r] + p],
//
// with dy laid out on the same padded width (zeros in the thrown-away
// columns). IndirectTile computes the first, DotTile the second. For layers
// with few channels (the 3→6 and 6→16 5×5 convolutions of LeNet and the
// lecture's CIFAR model 2) this skips im2col and the GEMM's packing of B,
// which together cost more than the arithmetic.

// Offsets is an immutable list of non-negative row offsets and their
// maximum, checked once so that the tile kernels can bound their reads
// with a single comparison.
type Offsets struct {
	offs []int
	max  int
}

// NewOffsets copies offs; it panics on a negative offset.
func NewOffsets(offs []int) Offsets {
	o := Offsets{offs: append([]int(nil), offs...)}
	for _, v := range offs {
		if v < 0 {
			panic(fmt.Sprintf("kernels.NewOffsets: negative offset %d", v))
		}
		o.max = max(o.max, v)
	}
	return o
}

// Len returns the number of offsets.
func (o Offsets) Len() int { return len(o.offs) }

// At returns offset i.
func (o Offsets) At(i int) int { return o.offs[i] }

// Max returns the largest offset (0 for an empty list).
func (o Offsets) Max() int { return o.max }

// IndirectMR and IndirectNR are the tile of IndirectTile: IndirectMR rows of
// packed A by IndirectNR consecutive columns of the indirect B.
const (
	IndirectMR = gemmMR
	IndirectNR = gemmNR
)

// PackIndirectA packs rows [i0, i0+IndirectMR) of the row-major m×k matrix
// a (row stride lda) into dst as k steps of IndirectMR floats, rows past m
// as zeros: the A layout IndirectTile reads. dst needs k·IndirectMR floats.
func PackIndirectA(dst, a []float32, lda, m, k, i0 int) {
	dst = dst[:k*IndirectMR]
	for i := 0; i < IndirectMR; i++ {
		if i0+i >= m {
			for p := 0; p < k; p++ {
				dst[p*IndirectMR+i] = 0
			}
			continue
		}
		row := a[(i0+i)*lda : (i0+i)*lda+k]
		for p, v := range row {
			dst[p*IndirectMR+i] = v
		}
	}
}

// IndirectTile stores one IndirectMR×IndirectNR tile
//
//	c[i·ldc + j] = Σ_{p<kc} a[p·IndirectMR + i] · b[offs.At(p) + j]
//
// a being packed by PackIndirectA. It panics unless every read and write
// lies inside the slices: kc ≤ offs.Len() and offs.Max()+IndirectNR ≤ len(b).
func IndirectTile(kc int, a, b []float32, offs Offsets, c []float32, ldc int) {
	if kc <= 0 {
		for i := 0; i < IndirectMR; i++ {
			clear(c[i*ldc : i*ldc+IndirectNR])
		}
		return
	}
	_ = a[kc*IndirectMR-1]
	_ = offs.offs[kc-1]
	_ = b[offs.max+IndirectNR-1]
	_ = c[(IndirectMR-1)*ldc+IndirectNR-1]
	indirectTile(kc, a, b, offs.offs, c, ldc)
}

// indirectTileGo is the portable IndirectTile.
func indirectTileGo(kc int, a, b []float32, offs []int, c []float32, ldc int) {
	for i := 0; i < IndirectMR; i += 2 {
		for j := 0; j < IndirectNR; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			for p, off := range offs[:kc] {
				a0, a1 := a[p*IndirectMR+i], a[p*IndirectMR+i+1]
				bb := b[off+j : off+j+4 : off+j+4]
				b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
			}
			r0 := c[i*ldc+j : i*ldc+j+4 : i*ldc+j+4]
			r1 := c[(i+1)*ldc+j : (i+1)*ldc+j+4 : (i+1)*ldc+j+4]
			r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
			r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
		}
	}
}

// DotMR and DotNR are the tile of DotTile; DotK is the step its length
// must be a multiple of.
const (
	DotMR = 4
	DotNR = 3
	DotK  = 8
)

// DotTile stores the DotMR×DotNR dot products out[i·DotNR + j] = Σ_{t<k}
// a[i][t]·b[j][t]. k must be a multiple of DotK and every row at least k
// long; it panics otherwise.
func DotTile(k int, a *[DotMR][]float32, b *[DotNR][]float32, out *[DotMR * DotNR]float32) {
	if k%DotK != 0 {
		panic(fmt.Sprintf("kernels.DotTile: length %d is not a multiple of %d", k, DotK))
	}
	if k == 0 {
		*out = [DotMR * DotNR]float32{}
		return
	}
	for i := range a {
		_ = a[i][k-1]
	}
	for j := range b {
		_ = b[j][k-1]
	}
	dotTile(k, a, b, out)
}

// dotTileGo is the portable DotTile.
func dotTileGo(k int, a *[DotMR][]float32, b *[DotNR][]float32, out *[DotMR * DotNR]float32) {
	for i := range a {
		ai := a[i][:k]
		for j := range b {
			bj := b[j][:k]
			// Eight partial sums, as the vector kernel keeps, so that
			// both round alike on long rows.
			var s [DotK]float32
			for t := 0; t < k; t += DotK {
				for l := 0; l < DotK; l++ {
					s[l] += ai[t+l] * bj[t+l]
				}
			}
			out[i*DotNR+j] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
		}
	}
}
