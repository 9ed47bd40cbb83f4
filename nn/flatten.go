package nn

import "github.com/deepgo/deepgo/tensor"

// Flatten merges the axes Start..End (inclusive; negative counts from the
// end) into one (torch.nn.Flatten). NewFlatten gives PyTorch's defaults
// Start 1 and End −1, which flatten everything but the batch axis; note that
// the zero value Flatten{} merges axis 0 alone, which changes nothing.
//
// # Shapes
//
//   - input: [N, d1, ..., dk];
//   - output with the defaults: [N, d1·…·dk], for example [64 1 28 28] ->
//     [64 784]. The result shares the input's storage.
type Flatten struct {
	Base
	Start, End int
}

// NewFlatten makes a Flatten with PyTorch's defaults (Start 1, End −1).
func NewFlatten() *Flatten { return &Flatten{Start: 1, End: -1} }

// Forward flattens x.
func (f *Flatten) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Flatten(f.Start, f.End) }
