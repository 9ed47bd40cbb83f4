package nn

import (
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// Position l of every sequence gets row l of the table, in both layouts.
func TestPositionalEncodingAddsRows(t *testing.T) {
	p := NewSinusoidalPositionalEncoding(6, 10, PositionalOptions{}, nil)
	pb := NewSinusoidalPositionalEncoding(6, 10, PositionalOptions{BatchFirst: true}, nil)
	x := tensor.Uniform(tensor.NewRNG(1), -1, 1, 4, 3, 6) // [L N D]
	y := p.Forward(x)
	for l := 0; l < 4; l++ {
		for n := 0; n < 3; n++ {
			for d := 0; d < 6; d++ {
				if got, want := y.At(l, n, d), x.At(l, n, d)+p.Table().At(l, d); got != want {
					t.Fatalf("[%d %d %d] = %g, want %g", l, n, d, got, want)
				}
			}
		}
	}
	assertClose(t, "batch first", pb.Forward(x.Transpose(0, 1)).Transpose(0, 1).Data(), y.Data(), 0)
	assertClose(t, "unbatched", p.Forward(x.Narrow(1, 0, 1).Reshape(4, 6)).Data(), y.Narrow(1, 0, 1).Data(), 0)
	// PE[pos, 0] = sin(pos), PE[pos, 1] = cos(pos): the first pair's wavelength is 2π.
	if v := p.Table().At(1, 1); v != float32(0.5403023058681398) {
		t.Errorf("PE[1, 1] = %v, want cos 1", v)
	}
	if len(StateDictNames(p)) != 0 {
		t.Error("the sinusoidal table must not be in the state dict")
	}
}

func TestLearnedPositionalEmbedding(t *testing.T) {
	g := tensor.NewRNG(2)
	p := NewLearnedPositionalEmbedding(7, 4, PositionalOptions{BatchFirst: true}, tensor.NewRNG(3))
	if names := StateDictNames(p); !slices.Equal(names, []string{"weight"}) || !slices.Equal(p.Weight.Shape(), []int{7, 4}) {
		t.Fatalf("names %v, weight %v", names, p.Weight.Shape())
	}
	x := randInput(g, -1, 1, 2, 5, 4)
	gradCheck(t, "LearnedPositionalEmbedding", func(in ...*tensor.Tensor) *tensor.Tensor { return p.Forward(in[0]) }, x, p.Weight)
	seq := NewLearnedPositionalEmbedding(7, 4, PositionalOptions{}, nil)
	copy(seq.Weight.Data(), p.Weight.Data())
	gradCheck(t, "LearnedPositionalEmbedding seq-first", func(in ...*tensor.Tensor) *tensor.Tensor { return seq.Forward(in[0]) }, randInput(g, -1, 1, 5, 3, 4), seq.Weight)
	e := p.Embed([]int{3, 0, 3})
	assertClose(t, "Embed", e.Data(), slices.Concat(p.Weight.Data()[12:16], p.Weight.Data()[0:4], p.Weight.Data()[12:16]), 0)
	mustPanic(t, func() { p.Embed([]int{7}) }, "position 7", "[0, 7)")
	mustPanic(t, func() { p.Forward(tensor.Zeros(2, 8, 4)) }, "LearnedPositionalEmbedding", "[2 8 4]", "max_len 7")
	mustPanic(t, func() { p.Forward(tensor.Zeros(2, 5, 3)) }, "LearnedPositionalEmbedding", "[2 5 3]", "D=4")
}

// Dropout applies to the sum in training mode only.
func TestPositionalDropout(t *testing.T) {
	p := NewSinusoidalPositionalEncoding(8, 16, PositionalOptions{Dropout: 0.5}, tensor.NewRNG(1))
	x := tensor.Ones(16, 4, 8)
	zeros := 0
	for _, v := range p.Forward(x).Data() {
		if v == 0 {
			zeros++
		}
	}
	if zeros < 200 || zeros > 312 {
		t.Errorf("training: %d of 512 dropped at p = 0.5", zeros)
	}
	Eval(p)
	for _, v := range p.Forward(x).Data() {
		if v == 0 {
			t.Fatal("evaluation dropped a value")
		}
	}
}
