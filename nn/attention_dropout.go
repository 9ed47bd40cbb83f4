package nn

import (
	"math"
	"math/bits"

	"github.com/deepgo/deepgo/tensor"
)

// dropMask is an inverted-dropout mask that is a pure function of a seed
// and an element's index: element i is kept, and scaled by 1/(1−p), unless
// its 32-bit draw is below p·2³². The forward and the backward of a fused
// op, and the goroutines that share its rows, all regenerate the same mask
// from (seed, index) instead of storing or passing it.
//
// The draws come from wyrand, one stream per block of 64 elements started
// from the seed and the block number: about 1 ns per element, against ~5 ns
// for one rand.Float64 per element (tensor.Bernoulli), which made dropout
// a tenth of a transformer's training step. The masks differ from
// PyTorch's, as every generator's do, but have the same distribution.
type dropMask struct {
	on    bool
	seed  uint64
	thr   uint32  // dropped when the draw is below thr
	all   bool    // p = 1: everything dropped
	scale float32 // 1/(1−p)
}

// newDropMask draws a fresh seed from rng (tensor's default generator when
// nil) for a mask with drop probability p; p = 0 gives the identity.
func newDropMask(p float64, rng *tensor.RNG) dropMask {
	if p <= 0 {
		return dropMask{}
	}
	d := dropMask{on: true, seed: seedFrom(rng)}
	if p >= 1 {
		d.all = true
		return d
	}
	d.thr = uint32(min(p*(1<<32), math.MaxUint32))
	d.scale = float32(1 / (1 - p))
	return d
}

// seedFrom draws 62 random bits from rng, or from tensor's default
// generator when rng is nil (through Rand, the only public door to it).
func seedFrom(rng *tensor.RNG) uint64 {
	if rng != nil {
		return uint64(rng.IntN(1 << 62))
	}
	u := tensor.Rand(nil, 3).Data() // 24 random bits each
	var s uint64
	for _, v := range u {
		s = s<<24 | uint64(v*(1<<24))
	}
	return s
}

const dropBlock = 64

// apply sets dst[i] = src[i]·mask(off + i); dst may be src.
func (d dropMask) apply(dst, src []float32, off int) {
	if d.all {
		clear(dst)
		return
	}
	var draws [dropBlock]uint32
	for i := 0; i < len(dst); {
		g := off + i
		start := g % dropBlock
		n := min(dropBlock-start, len(dst)-i)
		d.fill(&draws, g/dropBlock)
		out, in := dst[i:i+n], src[i:i+n]
		for j, r := range draws[start : start+n] {
			k := d.scale
			if r < d.thr {
				k = 0
			}
			out[j] = in[j] * k
		}
		i += n
	}
}

// fill writes the 64 draws of block blk.
func (d dropMask) fill(draws *[dropBlock]uint32, blk int) {
	s := d.seed ^ (uint64(blk)+1)*0x9e3779b97f4a7c15
	for k := 0; k < dropBlock; k += 2 {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		v := hi ^ lo
		draws[k], draws[k+1] = uint32(v), uint32(v>>32)
	}
}

// dropoutOp applies m to x as a recorded op (the mask's own Dropout, used
// by the transformer layers).
func dropoutOp(x *tensor.Tensor, m dropMask) *tensor.Tensor {
	if !m.on {
		return x
	}
	out := tensor.Zeros(x.Shape()...)
	parallelRows(x.Numel(), 1, func(lo, hi int) { m.apply(out.Data()[lo:hi], x.Data()[lo:hi], lo) })
	return tensor.Record("Dropout", out, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.Zeros(x.Shape()...)
		parallelRows(x.Numel(), 1, func(lo, hi int) { m.apply(dx.Data()[lo:hi], g.Data()[lo:hi], lo) })
		return []*tensor.Tensor{dx}
	}, x)
}
