package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// PixelUnshuffle moves each Factor×Factor block of pixels into channels
// (space-to-depth, torch.nn.PixelUnshuffle). It is the invertible "squeeze"
// of normalizing flows (RealNVP, Glow) from the lecture: it halves the
// resolution (for Factor 2) without losing anything, and PixelShuffle undoes
// it exactly.
//
// Channel order is PyTorch's: output channel c·r² + i·r + j holds the pixels
// at offset (i, j) of each block of input channel c, that is
// out[n, c·r²+i·r+j, y, x] = in[n, c, y·r+i, x·r+j].
//
// # Shapes
//
//   - input: [N, C, H, W] with H and W multiples of r = Factor;
//   - output: [N, C·r², H/r, W/r].
type PixelUnshuffle struct {
	Base
	Factor int
}

// NewPixelUnshuffle makes a PixelUnshuffle (squeeze) with downscale factor r.
func NewPixelUnshuffle(r int) *PixelUnshuffle { return &PixelUnshuffle{Factor: r} }

func (p *PixelUnshuffle) String() string {
	return fmt.Sprintf("PixelUnshuffle(downscale_factor=%d)", p.Factor)
}

// Forward squeezes x.
func (p *PixelUnshuffle) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh, r := x.Shape(), p.Factor
	if len(sh) != 4 || r < 1 || sh[2]%r != 0 || sh[3]%r != 0 {
		panic(fmt.Sprintf("deepgo: PixelUnshuffle: input %v, factor %d: want [N C H W] with H and W multiples of the factor", sh, r))
	}
	return shuffle("PixelUnshuffle", x, []int{sh[0], sh[1] * r * r, sh[2] / r, sh[3] / r}, r, false)
}

// PixelShuffle moves channels into Factor×Factor blocks of pixels
// (depth-to-space, torch.nn.PixelShuffle), the inverse of PixelUnshuffle
// (the lecture's "unsqueeze"):
// out[n, c, y·r+i, x·r+j] = in[n, c·r²+i·r+j, y, x].
//
// # Shapes
//
//   - input: [N, C·r², H, W] with r = Factor;
//   - output: [N, C, H·r, W·r].
type PixelShuffle struct {
	Base
	Factor int
}

// NewPixelShuffle makes a PixelShuffle with upscale factor r.
func NewPixelShuffle(r int) *PixelShuffle { return &PixelShuffle{Factor: r} }

func (p *PixelShuffle) String() string {
	return fmt.Sprintf("PixelShuffle(upscale_factor=%d)", p.Factor)
}

// Forward unsqueezes x.
func (p *PixelShuffle) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh, r := x.Shape(), p.Factor
	if len(sh) != 4 || r < 1 || sh[1]%(r*r) != 0 {
		panic(fmt.Sprintf("deepgo: PixelShuffle: input %v, factor %d: want [N C H W] with C a multiple of factor² = %d", sh, r, r*r))
	}
	return shuffle("PixelShuffle", x, []int{sh[0], sh[1] / (r * r), sh[2] * r, sh[3] * r}, r, true)
}

// shuffle is both directions: a pure permutation whose gradient is the
// inverse permutation, i.e. the other direction. big is the [N, C, H, W]
// side of the pair (the unshuffled one).
func shuffle(op string, x *tensor.Tensor, outShape []int, r int, toSpace bool) *tensor.Tensor {
	out := tensor.Zeros(outShape...)
	big := x.Shape()
	if toSpace {
		big = outShape
	}
	permute(x.Data(), out.Data(), big, r, toSpace)
	return tensor.Record(op, out, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.ZerosLike(x)
		permute(g.Data(), dx.Data(), big, r, !toSpace)
		return []*tensor.Tensor{dx}
	}, x)
}

// permute copies between the space layout s = [N, C, H, W] and the depth
// layout d = [N, C·r², H/r, W/r]: from s to d, or from d to s when toSpace.
func permute(src, dst []float32, big []int, r int, toSpace bool) {
	n, c, h, w := big[0], big[1], big[2], big[3]
	oh, ow := h/r, w/r
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					s := ((b*c+ch)*h+y)*w + x
					d := ((b*c*r*r+ch*r*r+(y%r)*r+x%r)*oh+y/r)*ow + x/r
					if toSpace {
						dst[s] = src[d]
					} else {
						dst[d] = src[s]
					}
				}
			}
		}
	}
}
