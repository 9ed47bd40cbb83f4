package data

import (
	"math"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// ramp is an image [c, h, w] whose pixel values are all distinct, in (0, 1].
func ramp(c, h, w int) *tensor.Tensor {
	d := make([]float32, c*h*w)
	for i := range d {
		d[i] = float32(i+1) / float32(len(d))
	}
	return tensor.New(d, c, h, w)
}

func sameValues(a, b *tensor.Tensor) bool {
	return tensor.SameShape(a.Shape(), b.Shape()) && slices.Equal(a.Data(), b.Data())
}

var augmentations = []struct {
	name string
	t    Transform
}{
	{"hflip", RandomHorizontalFlip{P: 0.5}},
	{"vflip", RandomVerticalFlip{P: 0.5}},
	{"rotation", RandomRotation{Degrees: 30}},
	{"affine", RandomAffine{Degrees: 15, Translate: [2]float64{0.2, 0.1}, Scale: [2]float64{0.8, 1.2}}},
	{"crop", RandomCrop{Size: 6, Padding: 2}},
	{"jitter", ColorJitter{Brightness: 0.4, Contrast: 0.4, Saturation: 0.4}},
}

func TestAugmentDeterministic(t *testing.T) {
	x := ramp(3, 6, 7)
	for _, a := range augmentations {
		// Over several seeds, the same seed gives the same output, and at
		// least two seeds give different outputs: the transform is random.
		var outs []*tensor.Tensor
		for seed := range uint64(8) {
			o1 := a.t.Apply(x, tensor.NewRNG(seed))
			o2 := a.t.Apply(x, tensor.NewRNG(seed))
			if !sameValues(o1, o2) {
				t.Errorf("%s: seed %d gave two different outputs", a.name, seed)
			}
			outs = append(outs, o1)
		}
		differ := false
		for _, o := range outs[1:] {
			differ = differ || !sameValues(o, outs[0])
		}
		if !differ {
			t.Errorf("%s: 8 seeds gave the same output", a.name)
		}
		if !sameValues(x, ramp(3, 6, 7)) {
			t.Fatalf("%s modified its input", a.name)
		}
	}
}

func TestAugmentIdentity(t *testing.T) {
	x := ramp(3, 5, 4)
	for _, tc := range []struct {
		name string
		t    Transform
	}{
		{"hflip P=0", RandomHorizontalFlip{}},
		{"vflip P=0", RandomVerticalFlip{}},
		{"rotation 0", RandomRotation{}},
		{"affine zero", RandomAffine{}},
		{"affine scale 1", RandomAffine{Scale: [2]float64{1, 1}}},
		{"crop full", RandomCrop{Size: 4, Padding: 0}},
		{"jitter zero", ColorJitter{}},
		{"rotation tiny", RandomRotation{Degrees: 1e-9}},
	} {
		for seed := range uint64(5) {
			x := x
			if tc.name == "crop full" {
				x = ramp(3, 4, 4)
			}
			out := tc.t.Apply(x, tensor.NewRNG(seed))
			if tc.name == "rotation tiny" {
				for i, v := range out.Data() {
					if math.Abs(float64(v-x.Data()[i])) > 1e-6 {
						t.Fatalf("%s: pixel %d %v, want %v", tc.name, i, v, x.Data()[i])
					}
				}
				continue
			}
			if !sameValues(out, x) {
				t.Errorf("%s seed %d: not the identity", tc.name, seed)
			}
		}
	}
}

func TestFlips(t *testing.T) {
	x := ramp(2, 3, 4)
	h := RandomHorizontalFlip{P: 1}.Apply(x, tensor.NewRNG(1))
	// Row 0 of channel 1 is 13..16 (/24); flipped it reads 16..13.
	for j := range 4 {
		if got, want := h.At(1, 0, j), x.At(1, 0, 3-j); got != want {
			t.Errorf("hflip[1,0,%d] = %v, want %v", j, got, want)
		}
	}
	v := RandomVerticalFlip{P: 1}.Apply(x, tensor.NewRNG(1))
	for i := range 3 {
		if got, want := v.At(1, i, 2), x.At(1, 2-i, 2); got != want {
			t.Errorf("vflip[1,%d,2] = %v, want %v", i, got, want)
		}
	}
	if !sameValues(RandomHorizontalFlip{P: 1}.Apply(h, tensor.NewRNG(0)), x) {
		t.Error("horizontal flip twice is not the identity")
	}
	if !sameValues(RandomVerticalFlip{P: 1}.Apply(v, tensor.NewRNG(0)), x) {
		t.Error("vertical flip twice is not the identity")
	}
	// P = 0.5 flips about half the samples.
	flipped := 0
	for seed := range uint64(400) {
		if !sameValues(RandomHorizontalFlip{P: 0.5}.Apply(x, tensor.NewRNG(seed)), x) {
			flipped++
		}
	}
	if flipped < 150 || flipped > 250 {
		t.Errorf("P=0.5 flipped %d of 400", flipped)
	}
}

func TestRandomCropShifts(t *testing.T) {
	x := ramp(2, 4, 4)
	const pad = 2
	seen := map[[2]int]bool{}
	for seed := range uint64(200) {
		rng := tensor.NewRNG(seed)
		top, left := rng.IntN(4+2*pad-4+1), rng.IntN(4+2*pad-4+1) // the draws Apply makes
		out := RandomCrop{Size: 4, Padding: pad}.Apply(x, tensor.NewRNG(seed))
		seen[[2]int{top, left}] = true
		// Output (i, j) shows input (i+top-pad, j+left-pad), or 0 outside.
		for c := range 2 {
			for i := range 4 {
				for j := range 4 {
					r, q := i+top-pad, j+left-pad
					want := float32(0)
					if r >= 0 && r < 4 && q >= 0 && q < 4 {
						want = x.At(c, r, q)
					}
					if got := out.At(c, i, j); got != want {
						t.Fatalf("seed %d (top %d, left %d): out[%d,%d,%d] = %v, want %v", seed, top, left, c, i, j, got, want)
					}
				}
			}
		}
	}
	if len(seen) != 25 {
		t.Errorf("%d of the 25 crop positions seen", len(seen))
	}
	// A crop smaller than the image keeps its shape [C, Size, Size].
	if s := (RandomCrop{Size: 3, Padding: 1}).Apply(ramp(3, 5, 7), tensor.NewRNG(0)).Shape(); !slices.Equal(s, []int{3, 3, 3}) {
		t.Errorf("shape %v, want [3 3 3]", s)
	}
}

func TestRandomRotation90(t *testing.T) {
	x := ramp(1, 5, 5)
	out := warpAffine(x, 90, 0, 0, 1)
	// Counter-clockwise on screen: the top row's right end moves to the top
	// of the left column, so out[0, 0, 0] = x[0, 0, 4] and
	// out[0, 4, 0] = x[0, 0, 0].
	for _, tc := range []struct{ i, j, r, q int }{{0, 0, 0, 4}, {4, 0, 0, 0}, {2, 2, 2, 2}, {0, 4, 4, 4}} {
		if got, want := out.At(0, tc.i, tc.j), x.At(0, tc.r, tc.q); math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("rot90[%d,%d] = %v, want x[%d,%d] = %v", tc.i, tc.j, got, tc.r, tc.q, want)
		}
	}
	// Rotating by 45° pushes the corners outside: they are zero-filled.
	if v := warpAffine(ramp(1, 9, 9), 45, 0, 0, 1).At(0, 0, 0); v != 0 {
		t.Errorf("corner after 45° = %v, want 0", v)
	}
}

func TestRandomAffineTranslate(t *testing.T) {
	x := ramp(1, 6, 6)
	// Translate 1 pixel right and 2 down: out[i, j] = x[i-2, j-1].
	out := warpAffine(x, 0, 1, 2, 1)
	for i := range 6 {
		for j := range 6 {
			want := float32(0)
			if i >= 2 && j >= 1 {
				want = x.At(0, i-2, j-1)
			}
			if got := out.At(0, i, j); got != want {
				t.Fatalf("out[%d,%d] = %v, want %v", i, j, got, want)
			}
		}
	}
	// Drawn shifts are whole pixels within the bounds: the output is x
	// shifted by some (dx, dy) with |dx| <= 0.2·6 and |dy| <= 0.2·6.
	a := RandomAffine{Translate: [2]float64{0.2, 0.2}}
	for seed := range uint64(20) {
		out := a.Apply(x, tensor.NewRNG(seed))
		found := false
		for dy := -1; dy <= 1 && !found; dy++ {
			for dx := -1; dx <= 1 && !found; dx++ {
				found = sameValues(out, warpAffine(x, 0, float64(dx), float64(dy), 1))
			}
		}
		if !found {
			t.Errorf("seed %d: not a whole-pixel shift within ±1", seed)
		}
	}
}

func TestColorJitter(t *testing.T) {
	x := ramp(3, 4, 4)
	j := ColorJitter{Brightness: 0.9, Contrast: 0.9, Saturation: 0.9}
	for seed := range uint64(50) {
		for i, v := range j.Apply(x, tensor.NewRNG(seed)).Data() {
			if v < 0 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("seed %d: value %d = %v outside [0, 1]", seed, i, v)
			}
		}
	}
	// Saturation alone with factor 0 (Saturation 1 draws f in [0, 2]) gives
	// gray; check the formula on a draw: each output pixel is
	// f·x + (1-f)·gray with the same f for all pixels and channels.
	s := ColorJitter{Saturation: 0.5}.Apply(x, tensor.NewRNG(3))
	n := 16
	d, o := x.Data(), s.Data()
	g0 := 0.299*d[0] + 0.587*d[n] + 0.114*d[2*n]
	f := (o[0] - g0) / (d[0] - g0)
	if f < 0.5-1e-4 || f > 1.5+1e-4 {
		t.Fatalf("saturation factor %v outside [0.5, 1.5]", f)
	}
	for i := range n {
		g := 0.299*d[i] + 0.587*d[n+i] + 0.114*d[2*n+i]
		for c := range 3 {
			want := clamp01(f*d[c*n+i] + (1-f)*g)
			if math.Abs(float64(o[c*n+i]-want)) > 1e-5 {
				t.Fatalf("saturation pixel %d channel %d = %v, want %v", i, c, o[c*n+i], want)
			}
		}
	}
	// Brightness alone multiplies every value by one factor.
	b := ColorJitter{Brightness: 0.5}.Apply(x, tensor.NewRNG(4)).Data()
	fb := b[0] / d[0]
	for i := range d {
		if want := clamp01(d[i] * fb); math.Abs(float64(b[i]-want)) > 1e-5 {
			t.Fatalf("brightness value %d = %v, want %v", i, b[i], want)
		}
	}
	// Contrast keeps the gray mean where it is, on an image in [0.25, 0.75]
	// that the factors in [0.9, 1.1] cannot push into the clamp.
	mid := x.MulScalar(0.5).AddScalar(0.25)
	c := ColorJitter{Contrast: 0.1}.Apply(mid, tensor.NewRNG(5))
	if sameValues(c, mid) {
		t.Error("contrast changed nothing")
	}
	if m0, m1 := grayMean(mid), grayMean(c); math.Abs(m0-m1) > 1e-5 {
		t.Errorf("contrast moved the gray mean from %v to %v", m0, m1)
	}
}

func grayMean(x *tensor.Tensor) float64 {
	d, n := x.Data(), x.Numel()/3
	var s float64
	for i := range n {
		s += float64(grayAt(d, 3, n, i))
	}
	return s / float64(n)
}

func TestAugmentInLoader(t *testing.T) {
	// The loader passes per-sample generators: two loaders with the same
	// seed produce the same augmented batches.
	xs := make([]*tensor.Tensor, 8)
	for i := range xs {
		xs[i] = ramp(3, 8, 8)
	}
	ds := NewTensorDataset(tensor.Stack(xs, 0), tensor.Zeros(8))
	aug := Compose{RandomCrop{Size: 8, Padding: 2}, RandomHorizontalFlip{P: 0.5}, ColorJitter{Brightness: 0.2}}
	batch := func() *tensor.Tensor {
		l := NewLoader(ds, LoaderConfig{BatchSize: 8, Seed: 7, Transform: aug})
		for x := range l.Epoch(0) {
			return x
		}
		return nil
	}
	a, b := batch(), batch()
	if a == nil || !sameValues(a, b) {
		t.Fatal("same seed, different augmented batches")
	}
	if x := a.Data(); slices.Equal(x[:192], x[192:384]) {
		t.Error("samples 0 and 1 were augmented identically")
	}
}
