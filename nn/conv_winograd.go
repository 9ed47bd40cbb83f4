package nn

import (
	"fmt"
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
// each running serial GEMMs on its own chunks, as conv2d does with images.

// Convolution algorithms for SetConvAlgorithm.
const (
	convAuto = iota
	convIm2col
	convWinograd
)

var convAlgorithmNames = [...]string{convAuto: "auto", convIm2col: "im2col", convWinograd: "winograd"}

var convAlgorithm atomic.Int32

// SetConvAlgorithm chooses how Conv2d computes 3×3, stride-1, undilated,
// ungrouped convolutions with zero padding of at most 2:
//
//   - "auto" (the default): Winograd F(2×2, 3×3) where it measured faster
//     than im2col (enough input and output channels), im2col elsewhere;
//   - "im2col": always im2col + GEMM;
//   - "winograd": Winograd wherever it applies.
//
// Other convolutions always use im2col. Both algorithms agree to float32
// rounding (about 1e-6 relative); Winograd's rounding differs slightly from
// im2col's. It returns an error for an unknown name and leaves the setting
// as it was.
func SetConvAlgorithm(name string) error {
	for i, n := range convAlgorithmNames {
		if n == name {
			convAlgorithm.Store(int32(i))
			return nil
		}
	}
	return fmt.Errorf("deepgo: SetConvAlgorithm: unknown algorithm %q (want auto, im2col or winograd)", name)
}

// ConvAlgorithm returns the algorithm set by SetConvAlgorithm.
func ConvAlgorithm() string { return convAlgorithmNames[convAlgorithm.Load()] }

// winogradMinChannels is the smallest input and output channel count for
// which "auto" picks Winograd (see BenchmarkConvAlgorithms).
var winogradMinChannels = 16

// winogradChunkTiles is about how many tiles a chunk holds.
var winogradChunkTiles = 128

// winogradKeepV keeps the transformed input of the forward for the weight
// gradient instead of transforming the input again in the backward.
var winogradKeepV = false

// winogradOK reports whether the convolution of plan p runs as Winograd.
func winogradOK(p convPlan) bool {
	algo := convAlgorithm.Load()
	if algo == convIm2col {
		return false
	}
	g := p.geom
	bottom, right := g.OH+2-g.H-g.PH, g.OW+2-g.W-g.PW
	if g.KH != 3 || g.KW != 3 || g.SH != 1 || g.SW != 1 || g.DH != 1 || g.DW != 1 || p.groups != 1 ||
		max(g.PH, g.PW, bottom, right) > 2 || min(bottom, right) < 0 {
		return false
	}
	return algo == convWinograd || min(g.C, p.out) >= winogradMinChannels
}

// winogradSchedule is how one convolution's tiles are cut: pieces of whole
// images (one per goroutine, so that no two goroutines add into the same
// input gradient window), each cut into chunks of whole tile rows, about
// winogradChunkTiles tiles each. The forward and the backward share one
// schedule, so that a kept V chunk is found at the same tiles.
type winogradSchedule struct {
	geom   kernels.WinogradGeom
	pieces [][]winogradChunk
	maxLd  int      // the largest chunk
	vSize  int      // the transformed input of all chunks
	gemm   gemmFunc // SgemmSerial with several pieces, Sgemm with one
}

// winogradChunk is the tiles [t0, t1) and where their transformed input
// starts in a kept V.
type winogradChunk struct{ t0, t1, vOff int }

func newWinogradSchedule(p convPlan) *winogradSchedule {
	g := p.geom
	s := &winogradSchedule{geom: kernels.WinogradGeom{N: p.n, C: g.C, H: g.H, W: g.W, Out: p.out, PH: g.PH, PW: g.PW, OH: g.OH, OW: g.OW},
		gemm: kernels.Sgemm}
	np := 1
	if convBatchParallel && p.n >= kernels.Threads() {
		np = kernels.Threads()
		s.gemm = kernels.SgemmSerial
	}
	tr, tw := s.geom.TileRows(), s.geom.TileCols()
	for i := 0; i < np; i++ {
		r0, r1 := i*p.n/np*tr, (i+1)*p.n/np*tr // tile rows of the piece
		nc := max(1, ((r1-r0)*tw+winogradChunkTiles/2)/winogradChunkTiles)
		nc = min(nc, r1-r0)
		var chunks []winogradChunk
		for c := 0; c < nc; c++ {
			t0, t1 := (r0+c*(r1-r0)/nc)*tw, (r0+(c+1)*(r1-r0)/nc)*tw
			chunks = append(chunks, winogradChunk{t0, t1, s.vSize})
			s.vSize += 16 * kernels.WinogradPlane(g.C, t1-t0)
			s.maxLd = max(s.maxLd, t1-t0)
		}
		s.pieces = append(s.pieces, chunks)
	}
	return s
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

// conv2dWinograd is conv2d for a plan that winogradOK accepts: the same
// op, computed in the Winograd domain.
func conv2dWinograd(x, w, b *tensor.Tensor, p convPlan) *tensor.Tensor {
	s := newWinogradSchedule(p)
	g := s.geom
	cin, cout := g.C, g.Out
	pu := kernels.WinogradPlane(cout, cin)
	u := make([]float32, 16*pu)
	kernels.WinogradFilter(u, w.Data(), cout, cin)
	y := tensor.Zeros(g.N, cout, g.OH, g.OW)
	xd, yd := x.Data(), y.Data()
	var bd []float32
	if b != nil {
		bd = b.Data()
	}
	var keptV []float32 // the chunks' V one after the other
	if winogradKeepV && tensor.GradEnabled() && w.RequiresGrad() {
		keptV = make([]float32, s.vSize)
	}
	s.run(func(chunks []winogradChunk) {
		var vbuf []float32
		if keptV == nil {
			vbuf = make([]float32, 16*kernels.WinogradPlane(cin, s.maxLd))
		}
		mbuf := make([]float32, 16*kernels.WinogradPlane(cout, s.maxLd))
		for _, ch := range chunks {
			ld := ch.t1 - ch.t0
			pv, pm := kernels.WinogradPlane(cin, ld), kernels.WinogradPlane(cout, ld)
			v := vbuf
			if keptV != nil {
				v = keptV[ch.vOff : ch.vOff+16*pv]
			}
			s.transform(func(t0, t1, c0, c1 int) { kernels.WinogradInput(v, xd, g, t0, t1, c0, c1) }, ch.t0, ch.t1, cin)
			for xi := 0; xi < 16; xi++ {
				s.gemm(false, false, cout, ld, cin, 1, u[xi*pu:], cin, v[xi*pv:], ld, 0, mbuf[xi*pm:], ld)
			}
			s.transform(func(t0, t1, o0, o1 int) { kernels.WinogradOutput(yd, mbuf, bd, g, t0, t1, o0, o1) }, ch.t0, ch.t1, cout)
		}
	})

	inputs := []*tensor.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return tensor.Record("Conv2d", y, func(dy *tensor.Tensor) []*tensor.Tensor {
		dyd := dy.Data()
		var dx, dw *tensor.Tensor
		var dxd, du []float32
		if x.RequiresGrad() {
			dx = tensor.Zeros(x.Shape()...)
			dxd = dx.Data()
		}
		if w.RequiresGrad() {
			du = make([]float32, 16*pu)
		}
		var mu sync.Mutex
		s.run(func(chunks []winogradChunk) {
			vbuf := make([]float32, 16*kernels.WinogradPlane(cin, s.maxLd))
			dm := make([]float32, 16*kernels.WinogradPlane(cout, s.maxLd))
			duLocal := du
			if du != nil && len(s.pieces) > 1 {
				duLocal = make([]float32, len(du))
			}
			for _, ch := range chunks {
				ld := ch.t1 - ch.t0
				pv, pm := kernels.WinogradPlane(cin, ld), kernels.WinogradPlane(cout, ld)
				s.transform(func(t0, t1, o0, o1 int) { kernels.WinogradOutputGrad(dm, dyd, g, t0, t1, o0, o1) }, ch.t0, ch.t1, cout)
				if du != nil {
					v := vbuf
					if keptV != nil {
						v = keptV[ch.vOff : ch.vOff+16*pv]
					} else {
						s.transform(func(t0, t1, c0, c1 int) { kernels.WinogradInput(v, xd, g, t0, t1, c0, c1) }, ch.t0, ch.t1, cin)
					}
					for xi := 0; xi < 16; xi++ {
						s.gemm(false, true, cout, cin, ld, 1, dm[xi*pm:], ld, v[xi*pv:], ld, 1, duLocal[xi*pu:], cin)
					}
				}
				if dx != nil {
					for xi := 0; xi < 16; xi++ {
						s.gemm(true, false, cin, ld, cout, 1, u[xi*pu:], cin, dm[xi*pm:], ld, 0, vbuf[xi*pv:], ld)
					}
					s.transform(func(t0, t1, c0, c1 int) { kernels.WinogradInputGrad(dxd, vbuf, g, t0, t1, c0, c1) }, ch.t0, ch.t1, cin)
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
		grads := []*tensor.Tensor{dx, dw}
		if b != nil {
			grads = append(grads, biasGrad(dyd, g.N, cout, g.OH*g.OW, b.RequiresGrad()))
		}
		return grads
	}, inputs...)
}
