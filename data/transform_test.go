package data

import (
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

func TestNormalize(t *testing.T) {
	// out[c] = (x[c] - mean[c]) / std[c]; values chosen to be exact in
	// float32. Channel 0: mean 0.5, std 0.5; channel 1: mean 0.25, std 2.
	n := Normalize{Mean: []float32{0.5, 0.25}, Std: []float32{0.5, 2}}
	x := tensor.FromSlice([]float32{1, 0, 0.5, 0.75, 0.25, 2.25, -1.75, 4.25}, 2, 2, 2)
	want := []float32{1, -1, 0, 0.5, 0, 1, -1, 2}
	got := n.Apply(x, nil)
	if !equalFloats(got.Data(), want) || !slices.Equal(got.Shape(), []int{2, 2, 2}) {
		t.Fatalf("Apply = %v %v, want %v", got.Shape(), got.Data(), want)
	}
	if x.Data()[0] != 1 {
		t.Fatal("Normalize modified its input")
	}
	// A batch of two samples: the same per sample.
	b := tensor.Stack([]*tensor.Tensor{x, x.MulScalar(2)}, 0)
	gb := n.ApplyBatch(b, nil)
	if !equalFloats(gb.Data()[:8], want) || !equalFloats(gb.Data()[8:], n.Apply(x.MulScalar(2), nil).Data()) {
		t.Fatalf("ApplyBatch = %v", gb.Data())
	}
	// One value serves every channel.
	one := Normalize{Mean: []float32{0.5}, Std: []float32{0.5}}
	if got := one.Apply(tensor.FromSlice([]float32{1, 0}, 2, 1), nil).Data(); !equalFloats(got, []float32{1, -1}) {
		t.Fatalf("single-value Normalize = %v", got)
	}
}

func TestNormalizeMisuse(t *testing.T) {
	n := Normalize{Mean: []float32{0.5, 0.5, 0.5}, Std: []float32{1, 1, 1}}
	mustPanic(t, "input [2 4 4] has 2 channels on axis 0, but Mean and Std have 3 values", func() { n.Apply(tensor.Zeros(2, 4, 4), nil) })
	mustPanic(t, "input [8 1 4 4] has 1 channels on axis 1", func() { n.ApplyBatch(tensor.Zeros(8, 1, 4, 4), nil) })
	mustPanic(t, "no channel axis", func() { n.Apply(tensor.Scalar(1), nil) })
	mustPanic(t, "2 means and 1 stds", func() { Normalize{Mean: []float32{1, 2}, Std: []float32{1}}.Apply(tensor.Zeros(2), nil) })
	mustPanic(t, "contains 0", func() { Normalize{Mean: []float32{1}, Std: []float32{0}}.Apply(tensor.Zeros(2), nil) })
}

func TestCompose(t *testing.T) {
	addOne := TransformFunc(func(x *tensor.Tensor, _ *tensor.RNG) *tensor.Tensor { return x.AddScalar(1) })
	double := TransformFunc(func(x *tensor.Tensor, _ *tensor.RNG) *tensor.Tensor { return x.MulScalar(2) })
	x := tensor.FromSlice([]float32{1, 2}, 1, 2)
	if got := (Compose{addOne, double}).Apply(x, nil).Data(); !equalFloats(got, []float32{4, 6}) {
		t.Fatalf("(x+1)*2 = %v, want [4 6]", got)
	}
	if got := (Compose{double, addOne}).Apply(x, nil).Data(); !equalFloats(got, []float32{3, 5}) {
		t.Fatalf("x*2+1 = %v, want [3 5]", got)
	}
	if got := (Compose{}).Apply(x, nil); got != x {
		t.Fatal("empty Compose is not the identity")
	}
}

func TestComposeBatchEqualsPerSample(t *testing.T) {
	// A random per-sample member and a batch member, mixed: ApplyBatch must
	// equal Apply on each sample with that sample's generator.
	jitter := TransformFunc(func(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
		return x.AddScalar(rng.Float32())
	})
	c := Compose{jitter, Normalize{Mean: []float32{0.1, 0.2}, Std: []float32{0.3, 0.4}}, jitter}
	batch := tensor.Rand(tensor.NewRNG(1), 3, 2, 4)
	rngs := func() []*tensor.RNG {
		return []*tensor.RNG{tensor.NewRNG(10), tensor.NewRNG(11), tensor.NewRNG(12)}
	}
	got := c.ApplyBatch(batch.Clone(), rngs())
	r := rngs()
	for i := range 3 {
		sample := batch.Narrow(0, i, 1).Squeeze(0)
		want := c.Apply(sample, r[i]).Data()
		if !equalFloats(got.Data()[i*8:(i+1)*8], want) {
			t.Fatalf("sample %d: batch %v, per sample %v", i, got.Data()[i*8:(i+1)*8], want)
		}
	}
	mustPanic(t, "with 2 generators", func() { Compose{jitter}.ApplyBatch(batch, rngs()[:2]) })
}
