package optim

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// ClipGradNorm scales the gradients of params in place so that their global
// L2 norm, taken over all of them as one vector, is at most maxNorm, like
// torch.nn.utils.clip_grad_norm_. It returns the norm before clipping.
// Parameters without a gradient are ignored; with none it returns 0.
//
// As in PyTorch the scale is maxNorm/(norm + 1e-6), applied only when it is
// below 1, so a norm just under maxNorm is left alone. A NaN or infinite norm
// is not an error (torch's error_if_nonfinite=False): the gradients are
// multiplied by the resulting NaN or 0 scale, so the problem stays visible.
// The squares are summed in float64.
func ClipGradNorm(params []*tensor.Tensor, maxNorm float64) float64 {
	if !(maxNorm >= 0) {
		panic(fmt.Sprintf("deepgo: ClipGradNorm: invalid maxNorm %v (want >= 0)", maxNorm))
	}
	var sumSq float64
	found := false
	for _, p := range params {
		if p.Grad != nil {
			g := p.Grad.Data()
			sumSq += float64(kernels.Dot(g, g))
			found = true
		}
	}
	if !found {
		return 0
	}
	norm := math.Sqrt(sumSq)
	coef := maxNorm / (norm + 1e-6)
	if !(coef >= 1) { // NaN scales too, as torch's clamp(coef, max=1) keeps NaN
		s := float32(coef)
		for _, p := range params {
			if p.Grad != nil {
				g := p.Grad.Data()
				kernels.Scale(g, g, s)
			}
		}
	}
	return norm
}

// ClipGradValue clamps every gradient element of params to [−clip, clip] in
// place, like torch.nn.utils.clip_grad_value_. NaNs stay NaN. Parameters
// without a gradient are ignored.
func ClipGradValue(params []*tensor.Tensor, clip float64) {
	if !(clip >= 0) {
		panic(fmt.Sprintf("deepgo: ClipGradValue: invalid clip %v (want >= 0)", clip))
	}
	hi := float32(clip)
	lo := -hi
	for _, p := range params {
		if p.Grad == nil {
			continue
		}
		g := p.Grad.Data()
		for i, v := range g {
			if v > hi {
				g[i] = hi
			} else if v < lo {
				g[i] = lo
			}
		}
	}
}
