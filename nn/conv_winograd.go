package nn

import (
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Winograd F(2×2, 3×3) convolution: the 3×3, stride-1 layers of a CNN
// computed with 2.25× fewer multiplies than im2col + GEMM (see
// internal/kernels/winograd.go for the transforms). Forward, data gradient
// and weight gradient all run in the Winograd domain, as 16 matrix
// products per pass, one per position ξ of the 4×4 transformed tile:
//
//	forward:  M[ξ] = U[ξ]·V[ξ]      (out × tiles, k = in)
//	data:     dV[ξ] = U[ξ]ᵀ·dM[ξ]   (in × tiles, k = out)
//	weight:   dU[ξ] = dM[ξ]·V[ξ]ᵀ   (out × in, k = tiles)
//
// with U = G·w·Gᵀ, V = Bᵀ·x·B, y = Aᵀ·M·A and dM = A·dy·Aᵀ. The tiles are
// cut into chunks small enough that a chunk's V and M stay in cache between
// the transforms and the products; the batch is split across the cores,
// each running serial products on its own chunks, as conv2d does with
// images. U (and Uᵀ) is packed once per pass for all the chunks' products.
//
// Measured against im2col on the lecture's CIFAR model 3 (batch 64,
// forward + backward, BenchmarkConvAlgorithms), its 3×3 layers with 32 to
// 256 input channels run 1.9 to 2.3 times faster; the first layer, 3 input
// channels, runs slower and stays on im2col.

// Convolution algorithms for SetConvAlgorithm.
const (
	convAuto = iota
	convIm2col
	convWinograd
	convDirect
)

var convAlgorithmNames = [...]string{convAuto: "auto", convIm2col: "im2col", convWinograd: "winograd", convDirect: "direct"}

var convAlgorithm atomic.Int32

// SetConvAlgorithm chooses how Conv2d computes stride-1, undilated,
// ungrouped convolutions; strided, dilated and grouped ones always use
// im2col + GEMM.
//
//   - "auto" (the default): for 3×3 kernels with at most 2 of zero padding
//     and 32 input channels or more, Winograd F(2×2, 3×3); else, for
//     kernels larger than 1×1 whose input channels × kernel area is at
//     most 1024 and whose padding is smaller than the kernel, the direct
//     convolution (on CPUs with AVX2 and FMA, without the purego tag);
//     else im2col. Each choice is where it measured fastest.
//   - "im2col": always im2col + GEMM;
//   - "winograd": Winograd wherever it applies (3×3, padding ≤ 2), im2col
//     elsewhere;
//   - "direct": the direct convolution wherever it applies (padding
//     smaller than the kernel), im2col elsewhere.
//
// The algorithms round differently but agree to float32 precision:
// outputs and gradients differ by about 1e-6 of their largest value. The
// setting is global and safe to change between calls from any goroutine.
// SetConvAlgorithm returns an error for an unknown name and leaves the
// setting as it was.
func SetConvAlgorithm(name string) error {
	for i, n := range convAlgorithmNames {
		if n == name {
			convAlgorithm.Store(int32(i))
			return nil
		}
	}
	return fmt.Errorf("deepgo: SetConvAlgorithm: unknown algorithm %q (want auto, im2col, winograd or direct)", name)
}

// ConvAlgorithm returns the algorithm set by SetConvAlgorithm.
func ConvAlgorithm() string { return convAlgorithmNames[convAlgorithm.Load()] }

// winogradMinIn is the fewest input channels for which "auto" picks
// Winograd; below it the direct convolution (conv_direct.go) is as fast
// or faster. With few input channels the products are too thin (k = in)
// to repay the transforms. Forward + backward at batch 64 on 32×32 images
// (BenchmarkConvDirect, 2 cores), Winograd took 1.1× the direct
// convolution's time for 8 → 32 channels, 1.03× for 16 → 32, 0.7× for
// 32 → 64 and 0.6× for 64 → 64; against im2col it ran 0.78× as fast for
// 3 → 32 channels, 1.1× for 8 → 32, 1.4× for 12 → 32 and 1.6× for 16 → 32.
var winogradMinIn = 32

// winogradChunkFloats bounds a chunk's transformed input and output,
// 16·(in + out)·tiles floats: 2 MiB, about what stays in a core's L2
// between the transforms and the products. On model 3's layers chunks of
// 64 to 256 tiles measured within 10% of each other, the best at about
// this size, and chunks of 512 up to 20% slower.
var winogradChunkFloats = 1 << 19

// winogradChunkTiles, when positive, overrides the chunk size (tests).
var winogradChunkTiles = 0

// chunkTiles returns about how many tiles a chunk holds: at least 64, so
// that the products stay wide, and at most 256.
func chunkTiles(in, out int) int {
	if winogradChunkTiles > 0 {
		return winogradChunkTiles
	}
	return min(256, max(64, winogradChunkFloats/(16*(in+out))))
}

// winogradOK reports whether the convolution of plan p runs as Winograd.
func winogradOK(p convPlan) bool {
	algo := convAlgorithm.Load()
	if algo == convIm2col || algo == convDirect {
		return false
	}
	g := p.geom
	bottom, right := g.OH+2-g.H-g.PH, g.OW+2-g.W-g.PW
	if g.KH != 3 || g.KW != 3 || g.SH != 1 || g.SW != 1 || g.DH != 1 || g.DW != 1 || p.groups != 1 ||
		max(g.PH, g.PW, bottom, right) > 2 || min(bottom, right) < 0 {
		return false
	}
	return algo == convWinograd || g.C >= winogradMinIn
}

// winogradSchedule is how one convolution's tiles are cut: pieces of whole
// images (one per goroutine, so that no two goroutines add into the same
// input gradient window), each cut into chunks of whole tile rows, of
// about chunkTiles tiles.
type winogradSchedule struct {
	geom      kernels.WinogradGeom
	pieces    [][]winogradChunk
	maxTiles  int // the largest chunk
	cin, cout int
}

// winogradChunk is the tiles [t0, t1).
type winogradChunk struct{ t0, t1 int }

func newWinogradSchedule(p convPlan) *winogradSchedule {
	g := p.geom
	s := &winogradSchedule{geom: kernels.WinogradGeom{N: p.n, C: g.C, H: g.H, W: g.W, Out: p.out, PH: g.PH, PW: g.PW, OH: g.OH, OW: g.OW},
		cin: g.C, cout: p.out}
	np := 1
	if convBatchParallel && p.n >= kernels.Threads() {
		np = kernels.Threads()
	}
	tr, tw := s.geom.TileRows(), s.geom.TileCols()
	for i := 0; i < np; i++ {
		r0, r1 := i*p.n/np*tr, (i+1)*p.n/np*tr // tile rows of the piece
		// Chunks are made of steps of whole tile rows, a multiple of 16
		// tiles when that is not too coarse, so that the products' columns
		// fill whole 16-wide micro-tiles.
		ct := chunkTiles(g.C, p.out)
		step := 16 / gcd(16, tw)
		if step*tw > ct {
			step = 1
		}
		steps := (r1 - r0 + step - 1) / step
		nc := min(steps, max(1, ((r1-r0)*tw+ct/2)/ct))
		var chunks []winogradChunk
		for c := 0; c < nc; c++ {
			t0, t1 := (r0+c*steps/nc*step)*tw, min(r1, r0+(c+1)*steps/nc*step)*tw
			chunks = append(chunks, winogradChunk{t0, t1})
			s.maxTiles = max(s.maxTiles, t1-t0)
		}
		s.pieces = append(s.pieces, chunks)
	}
	return s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// run calls fn on every piece, in parallel when there are several.
func (s *winogradSchedule) run(fn func(chunks []winogradChunk)) {
	if len(s.pieces) == 1 {
		fn(s.pieces[0])
		return
	}
	kernels.ParallelFor(len(s.pieces), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(s.pieces[i])
		}
	})
}

// transform runs one of the kernels' Winograd transforms on chunk [t0, t1)
// for all of channels channels: in one call when the pieces already run in
// parallel, split over channels across the cores when there is one piece.
func (s *winogradSchedule) transform(f func(t0, t1, c0, c1 int), t0, t1, channels int) {
	if len(s.pieces) > 1 {
		f(t0, t1, 0, channels)
		return
	}
	kernels.ParallelFor(channels, 4, func(c0, c1 int) { f(t0, t1, c0, c1) })
}

// products runs f for the 16 positions ξ: in order when the pieces already
// run in parallel, spread across the cores when there is one piece.
func (s *winogradSchedule) products(f func(xi int)) {
	if len(s.pieces) > 1 {
		for xi := 0; xi < 16; xi++ {
			f(xi)
		}
		return
	}
	kernels.ParallelFor(16, 1, func(lo, hi int) {
		for xi := lo; xi < hi; xi++ {
			f(xi)
		}
	})
}

// chunkBuffers returns scratch for one goroutine's chunks: a transformed
// input (in channels) and output (out channels) of the largest chunk.
func (s *winogradSchedule) chunkBuffers() (v, m *[]float32) {
	ld := kernels.WinogradLd(s.maxTiles)
	return getScratch(16 * kernels.WinogradPlane(s.cin, ld)), getScratch(16 * kernels.WinogradPlane(s.cout, ld))
}

// packU packs the 16 matrices U[ξ] (out × in, plane floats apart), or
// their transposes, for SgemmPackedSerial, PackedASize floats apart.
func packU(u []float32, plane, out, in int, trans bool) *[]float32 {
	m, k := out, in
	if trans {
		m, k = in, out
	}
	size := kernels.PackedASize(m, k)
	p := getScratch(16 * size)
	kernels.ParallelFor(16, 1, func(lo, hi int) {
		for xi := lo; xi < hi; xi++ {
			kernels.PackA((*p)[xi*size:], trans, m, k, u[xi*plane:], in)
		}
	})
	return p
}

// winogradScratch recycles the large convolution buffers (Winograd U, the
// chunks' V and M, im2col column matrices kept for the weight gradient,
// the weight-gradient partials): megabytes per call that would otherwise
// be fresh memory, faulted in and zeroed every step. Pool k holds buffers
// of capacity 2^k.
var winogradScratch [48]sync.Pool

// getScratch returns a buffer of n floats with undefined contents.
func getScratch(n int) *[]float32 {
	k := bits.Len(uint(max(n, 1) - 1))
	if p, ok := winogradScratch[k].Get().(*[]float32); ok {
		*p = (*p)[:n]
		return p
	}
	b := make([]float32, n, 1<<k)
	return &b
}

func putScratch(bufs ...*[]float32) {
	for _, p := range bufs {
		if p != nil {
			winogradScratch[bits.Len(uint(cap(*p)-1))].Put(p)
		}
	}
}

// conv2dWinograd is conv2d for a plan that winogradOK accepts: the same
// op, computed in the Winograd domain. Per chunk of tiles:
//
//	forward:  V = Bᵀ·x·B,  M[ξ] = U[ξ]·V[ξ],  y = Aᵀ·M·A + b
//	backward: dM = A·dy·Aᵀ,  dU[ξ] += dM[ξ]·V[ξ]ᵀ (V transformed again),
//	          dV[ξ] = U[ξ]ᵀ·dM[ξ],  dx += B·dV·Bᵀ
//
// and dw = Gᵀ·dU·G, db = Σ dy at the end.
func conv2dWinograd(x, w, b *tensor.Tensor, p convPlan) *tensor.Tensor {
	s := newWinogradSchedule(p)
	g := s.geom
	cin, cout := g.C, g.Out
	pu := kernels.WinogradPlane(cout, cin)
	uBuf := getScratch(16 * pu)
	u := *uBuf
	kernels.WinogradFilter(u, w.Data(), cout, cin)
	y := tensor.Zeros(g.N, cout, g.OH, g.OW)
	xd, yd := x.Data(), y.Data()
	var bd []float32
	if b != nil {
		bd = b.Data()
	}
	uPacked := packU(u, pu, cout, cin, false)
	ua, sa := *uPacked, kernels.PackedASize(cout, cin)
	s.run(func(chunks []winogradChunk) {
		vBuf, mBuf := s.chunkBuffers()
		defer putScratch(vBuf, mBuf)
		v, m := *vBuf, *mBuf
		for _, ch := range chunks {
			n, ld := ch.t1-ch.t0, kernels.WinogradLd(ch.t1-ch.t0)
			pv, pm := kernels.WinogradPlane(cin, ld), kernels.WinogradPlane(cout, ld)
			s.transform(func(t0, t1, c0, c1 int) { kernels.WinogradInput(v, xd, g, t0, t1, c0, c1) }, ch.t0, ch.t1, cin)
			s.products(func(xi int) {
				kernels.SgemmPackedSerial(cout, n, cin, ua[xi*sa:], v[xi*pv:], ld, m[xi*pm:], ld)
			})
			s.transform(func(t0, t1, o0, o1 int) { kernels.WinogradOutput(yd, m, bd, g, t0, t1, o0, o1) }, ch.t0, ch.t1, cout)
		}
	})
	putScratch(uPacked)

	inputs := []*tensor.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	y = tensor.Record("Conv2d", y, func(dy *tensor.Tensor) []*tensor.Tensor {
		defer putScratch(uBuf)
		dyd := dy.Data()
		var dx, dw *tensor.Tensor
		var dxd, du []float32
		var utPacked *[]float32
		if x.RequiresGrad() {
			dx = tensor.Zeros(x.Shape()...)
			dxd = dx.Data()
			utPacked = packU(u, pu, cout, cin, true)
			defer putScratch(utPacked)
		}
		st := kernels.PackedASize(cin, cout)
		if w.RequiresGrad() {
			duBuf := getScratch(16 * pu)
			defer putScratch(duBuf)
			du = *duBuf
			clear(du)
		}
		var mu sync.Mutex
		s.run(func(chunks []winogradChunk) {
			vBuf, mBuf := s.chunkBuffers()
			defer putScratch(vBuf, mBuf)
			v, dm := *vBuf, *mBuf // v holds V, then dV
			duLocal := du
			if du != nil && len(s.pieces) > 1 {
				p := getScratch(len(du))
				defer putScratch(p)
				duLocal = *p
				clear(duLocal)
			}
			for _, ch := range chunks {
				n, ld := ch.t1-ch.t0, kernels.WinogradLd(ch.t1-ch.t0)
				pv, pm := kernels.WinogradPlane(cin, ld), kernels.WinogradPlane(cout, ld)
				s.transform(func(t0, t1, o0, o1 int) { kernels.WinogradOutputGrad(dm, dyd, g, t0, t1, o0, o1) }, ch.t0, ch.t1, cout)
				if du != nil {
					// V again: transforming x costs less than keeping V
					// from the forward, which measured 5 to 20% slower on
					// model 3's layers (the kept V is 4× the input, written
					// once and read once from memory).
					s.transform(func(t0, t1, c0, c1 int) { kernels.WinogradInput(v, xd, g, t0, t1, c0, c1) }, ch.t0, ch.t1, cin)
					s.products(func(xi int) {
						kernels.SgemmSerial(false, true, cout, cin, n, 1, dm[xi*pm:], ld, v[xi*pv:], ld, 1, duLocal[xi*pu:], cin)
					})
				}
				if dx != nil {
					ut := *utPacked
					s.products(func(xi int) {
						kernels.SgemmPackedSerial(cin, n, cout, ut[xi*st:], dm[xi*pm:], ld, v[xi*pv:], ld)
					})
					s.transform(func(t0, t1, c0, c1 int) { kernels.WinogradInputGrad(dxd, v, g, t0, t1, c0, c1) }, ch.t0, ch.t1, cin)
				}
			}
			if du != nil && len(s.pieces) > 1 {
				mu.Lock()
				kernels.AddTo(du, duLocal)
				mu.Unlock()
			}
		})
		if du != nil {
			dw = tensor.Zeros(w.Shape()...)
			kernels.WinogradFilterGrad(dw.Data(), du, cout, cin)
		}
		return convGrads(dx, dw, b, dyd, g.N, cout, g.OH*g.OW)
	}, inputs...)
	if !y.RequiresGrad() { // no backward will need U
		putScratch(uBuf)
	}
	return y
}
