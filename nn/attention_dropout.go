package nn

import (
	"math"
	"math/bits"
	"sync/atomic"

	"github.com/deepgo/deepgo/tensor"
)

// dropMask is an inverted-dropout mask that is a pure function of a seed
// and an element's index: element i is kept, and scaled by 1/(1−p), unless
// its 32-bit draw is below p·2³². The goroutines that share a tensor's rows
// thus draw the same mask whatever the split, and the fused attention op
// draws it per (batch, head) task. A fused op that needs the mask again in
// its backward records it as bits while applying it (one uint64 per block
// of 64 elements), which is cheaper to read than to redraw.
//
// The draws come from wyrand, one stream per block of 64 elements started
// from the seed and the block number, and the mask value is picked without
// a branch: about 1.5 ns per element, against ~5 ns for one rand.Float64
// per element (tensor.Bernoulli) or a branch on random data, which made
// dropout a tenth of a transformer's training step. The masks differ from
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
	d := dropMask{on: true, seed: dropSeed(rng)}
	if p >= 1 {
		d.all = true
		return d
	}
	d.thr = uint32(min(p*(1<<32), math.MaxUint32))
	d.scale = float32(1 / (1 - p))
	return d
}

// dropSeed draws 62 random bits from rng, or from tensor's default
// generator when rng is nil (through Rand, the only public door to it).
func dropSeed(rng *tensor.RNG) uint64 {
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

// dropBits returns zeroed storage for the recorded mask of n elements.
func dropBits(n int) []uint64 { return make([]uint64, (n+dropBlock-1)/dropBlock) }

// stream returns the generator state of block blk.
func (d dropMask) stream(blk int) uint64 { return d.seed ^ (uint64(blk)+1)*0x9e3779b97f4a7c15 }

// apply sets dst[i] = src[i]·mask(off + i); dst may be src. With dropped
// not nil it also sets bit g%64 of dropped[g/64] for every dropped global
// index g. Goroutines that share a tensor may call it on any split: a
// word that the range covers only in part (the neighbour may cover the
// rest) is updated atomically.
func (d dropMask) apply(dst, src []float32, off int, dropped []uint64) {
	src = src[:len(dst)]
	var draws [dropBlock]uint32
	for i := 0; i < len(dst); {
		g := off + i
		start := g % dropBlock
		n := min(dropBlock-start, len(dst)-i)
		var word uint64
		switch {
		case d.all:
			clear(dst[i : i+n])
			word = ^uint64(0) >> (dropBlock - n) << start
		case n == dropBlock && dropped == nil:
			d.blockNoBits((*[dropBlock]float32)(dst[i:i+dropBlock]), (*[dropBlock]float32)(src[i:i+dropBlock]), g/dropBlock)
		case n == dropBlock:
			word = d.block((*[dropBlock]float32)(dst[i:i+dropBlock]), (*[dropBlock]float32)(src[i:i+dropBlock]), g/dropBlock)
		default:
			d.fill(&draws, g/dropBlock)
			f, thr := [2]float32{d.scale, 0}, uint64(d.thr)
			for j, r := range draws[start : start+n] {
				b := (uint64(r) - thr) >> 63
				dst[i+j] = src[i+j] * f[b]
				word |= b << (start + j)
			}
		}
		switch {
		case dropped == nil:
		case n == dropBlock:
			dropped[g/dropBlock] |= word // the whole word is this call's
		default:
			atomic.OrUint64(&dropped[g/dropBlock], word)
		}
		i += n
	}
}

// block applies the mask to one whole, aligned block and returns its
// dropped bits. The mask value is picked from a two-entry table by the
// sign bit of draw − thr: a branch on random data mispredicts for p of the
// elements, which made the mask 5 ns per element.
func (d dropMask) block(out, in *[dropBlock]float32, blk int) uint64 {
	f := [2]float32{d.scale, 0} // indexed by "dropped"
	thr := uint64(d.thr)
	s := d.stream(blk)
	var word uint64
	for k := 0; k < dropBlock; k += 2 {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		v := hi ^ lo
		b0, b1 := (v&0xffffffff-thr)>>63, (v>>32-thr)>>63
		out[k], out[k+1] = in[k]*f[b0], in[k+1]*f[b1]
		word |= b0<<k | b1<<(k+1)
	}
	return word
}

// blockNoBits is block without recording the dropped bits (12% faster).
func (d dropMask) blockNoBits(out, in *[dropBlock]float32, blk int) {
	f := [2]float32{d.scale, 0}
	thr := uint64(d.thr)
	s := d.stream(blk)
	for k := 0; k < dropBlock; k += 2 {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		v := hi ^ lo
		out[k], out[k+1] = in[k]*f[(v&0xffffffff-thr)>>63], in[k+1]*f[(v>>32-thr)>>63]
	}
}

// fill writes the 64 draws of block blk, the same as block uses.
func (d dropMask) fill(draws *[dropBlock]uint32, blk int) {
	s := d.stream(blk)
	for k := 0; k < dropBlock; k += 2 {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		v := hi ^ lo
		draws[k], draws[k+1] = uint32(v), uint32(v>>32)
	}
}

// applyDropped sets dst[i] = src[i]·mask(off + i) from a mask recorded by
// apply: the backward of a fused dropout.
func (d dropMask) applyDropped(dst, src []float32, off int, dropped []uint64) {
	src = src[:len(dst)]
	f := [2]float32{d.scale, 0}
	for i := 0; i < len(dst); {
		g := off + i
		start := g % dropBlock
		n := min(dropBlock-start, len(dst)-i)
		w := dropped[g/dropBlock]
		if n == dropBlock {
			out, in := (*[dropBlock]float32)(dst[i:i+dropBlock]), (*[dropBlock]float32)(src[i:i+dropBlock])
			for k := range out {
				out[k] = in[k] * f[(w>>k)&1]
			}
		} else {
			for k := 0; k < n; k++ {
				dst[i+k] = src[i+k] * f[(w>>(start+k))&1]
			}
		}
		i += n
	}
}

// parallelBlocks splits [0, n) across cores in chunks of 16K elements, a
// multiple of 64, so that recording a dropout mask needs no atomics.
func parallelBlocks(n int, fn func(lo, hi int)) {
	forChunks(n, 1<<14, func(_, lo, hi int) { fn(lo, hi) }) // 1<<14 is a multiple of 64
}

// maskedDropout applies m to x as a recorded op (the mask's own Dropout, used
// by the positional encodings).
func maskedDropout(x *tensor.Tensor, m dropMask) *tensor.Tensor {
	if !m.on {
		return x
	}
	n := x.Numel()
	dropped := dropBits(n)
	out := tensor.Zeros(x.Shape()...)
	parallelBlocks(n, func(lo, hi int) { m.apply(out.Data()[lo:hi], x.Data()[lo:hi], lo, dropped) })
	return tensor.Record("Dropout", out, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.Zeros(x.Shape()...)
		parallelBlocks(n, func(lo, hi int) { m.applyDropped(dx.Data()[lo:hi], g.Data()[lo:hi], lo, dropped) })
		return []*tensor.Tensor{dx}
	}, x)
}
