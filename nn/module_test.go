package nn

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// mnistMLP is the lecture's network: 784 -> 64 -> 32 -> 10 with ReLUs.
func mnistMLP(rng *tensor.RNG) *Sequential {
	return NewSequential(
		NewLinear(784, 64, rng), &ReLU{},
		NewLinear(64, 32, rng), &ReLU{},
		NewLinear(32, 10, rng),
	)
}

// classifier is a custom module: a feature Sequential, a head, and a buffer.
type classifier struct {
	Base
	Features *Sequential
	Head     *Linear
	Steps    *tensor.Tensor
}

func newClassifier(rng *tensor.RNG) *classifier {
	c := &classifier{
		Features: NewSequential(NewLinear(4, 8, rng), &ReLU{}),
		Head:     NewLinear(8, 3, rng),
		Steps:    tensor.Zeros(1),
	}
	c.RegisterBuffer("steps", c.Steps)
	c.RegisterModule("features", c.Features)
	c.RegisterModule("head", c.Head)
	return c
}

func (c *classifier) Forward(x *tensor.Tensor) *tensor.Tensor {
	return c.Head.Forward(c.Features.Forward(x))
}

func TestMNISTMLPParameters(t *testing.T) {
	m := mnistMLP(tensor.NewRNG(1))
	if n := NumParameters(m); n != 52650 {
		t.Errorf("NumParameters = %d, want 52,650 (784·64+64 + 64·32+32 + 32·10+10)", n)
	}
	// PyTorch: list(nn.Sequential(nn.Linear(784,64), nn.ReLU(), ...).state_dict())
	want := []string{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}
	if got := StateDictNames(m); !slices.Equal(got, want) {
		t.Errorf("StateDictNames = %q, want %q", got, want)
	}
	ps := Parameters(m)
	if len(ps) != 6 || !tensor.SameShape(ps[0].Shape(), []int{64, 784}) || !tensor.SameShape(ps[5].Shape(), []int{10}) {
		t.Errorf("Parameters: %d tensors, first %v, last %v", len(ps), ps[0].Shape(), ps[5].Shape())
	}
	for _, p := range ps {
		if !p.RequiresGrad() {
			t.Errorf("parameter %v does not require grad", p.Shape())
		}
	}
	y := m.Forward(tensor.Zeros(5, 784))
	if !tensor.SameShape(y.Shape(), []int{5, 10}) {
		t.Errorf("output shape %v, want [5 10]", y.Shape())
	}
	if m.Len() != 5 || m.At(-1) != m.At(4) {
		t.Errorf("Len %d, At(-1) != At(4)", m.Len())
	}
	mustPanic(t, func() { m.At(5) }, "Sequential.At", "index 5", "5 modules")
	s := m.String()
	for _, part := range []string{"(0): Linear(in_features=784, out_features=64, bias=true)", "(1): ReLU()"} {
		if !strings.Contains(s, part) {
			t.Errorf("String() = %q lacks %q", s, part)
		}
	}
}

func TestCustomModuleNames(t *testing.T) {
	c := newClassifier(tensor.NewRNG(2))
	want := []string{"features.0.weight", "features.0.bias", "head.weight", "head.bias", "steps"}
	if got := StateDictNames(c); !slices.Equal(got, want) {
		t.Errorf("StateDictNames = %q, want %q", got, want)
	}
	if n := len(Parameters(c)); n != 4 {
		t.Errorf("%d parameters, want 4 (the buffer is not one)", n)
	}
	if got := c.NamedChildren(); len(got) != 2 || got[0].Name != "features" || got[1].Module != Module(c.Head) {
		t.Errorf("NamedChildren = %v", got)
	}
	// Re-registering a name replaces the child in place: a new head.
	c.Head = NewLinear(8, 5, tensor.NewRNG(3), WithBias(false))
	c.RegisterModule("head", c.Head)
	want = []string{"features.0.weight", "features.0.bias", "head.weight", "steps"}
	if got := StateDictNames(c); !slices.Equal(got, want) {
		t.Errorf("after replacing the head: %q, want %q", got, want)
	}
	if y := c.Forward(tensor.Ones(2, 4)); !tensor.SameShape(y.Shape(), []int{2, 5}) {
		t.Errorf("output %v, want [2 5]", y.Shape())
	}
}

func TestRegisterNames(t *testing.T) {
	var b Base
	b.RegisterParameter("w", tensor.Zeros(2))
	mustPanic(t, func() { b.RegisterParameter("", tensor.Zeros(1)) }, "RegisterParameter", "non-empty")
	mustPanic(t, func() { b.RegisterModule("a.b", &ReLU{}) }, "RegisterModule", `"a.b"`, "'.'")
	mustPanic(t, func() { b.RegisterModule("w", &ReLU{}) }, "RegisterModule", `"w"`, "already used")
	mustPanic(t, func() { b.RegisterBuffer("w", tensor.Zeros(1)) }, "RegisterBuffer", "already used")
	mustPanic(t, func() { b.RegisterModule("m", nil) }, "RegisterModule", "nil")
	w2 := tensor.Ones(3)
	b.RegisterParameter("w", w2) // replaces
	if ps := b.NamedParameters(); len(ps) != 1 || ps[0].Tensor != w2 || !w2.RequiresGrad() {
		t.Errorf("re-registered parameter: %v", ps)
	}
}

func TestTrainEvalPropagate(t *testing.T) {
	c := newClassifier(tensor.NewRNG(1))
	net := NewSequential(c, &ReLU{})
	all := func() []bool {
		return []bool{net.Training(), c.Training(), c.Features.Training(), c.Features.At(1).Training(), c.Head.Training()}
	}
	if slices.Contains(all(), false) {
		t.Fatalf("new modules should train: %v", all())
	}
	Eval(net)
	if slices.Contains(all(), true) {
		t.Errorf("after Eval: %v, want all false", all())
	}
	Train(net)
	if slices.Contains(all(), false) {
		t.Errorf("after Train: %v, want all true", all())
	}
}

func TestSameSeedSameInit(t *testing.T) {
	a, b := mnistMLP(tensor.NewRNG(42)), mnistMLP(tensor.NewRNG(42))
	pa, pb := Parameters(a), Parameters(b)
	for i := range pa {
		if !slices.Equal(pa[i].Data(), pb[i].Data()) {
			t.Fatalf("parameter %d differs between two networks built from seed 42", i)
		}
	}
	c := mnistMLP(tensor.NewRNG(43))
	if slices.Equal(pa[0].Data(), Parameters(c)[0].Data()) {
		t.Error("seeds 42 and 43 gave the same weights")
	}
	// nil draws from tensor's default generator, seeded by ManualSeed.
	tensor.ManualSeed(7)
	d := NewLinear(3, 2, nil)
	tensor.ManualSeed(7)
	e := NewLinear(3, 2, nil)
	if !slices.Equal(d.Weight.Data(), e.Weight.Data()) || !slices.Equal(d.Bias.Data(), e.Bias.Data()) {
		t.Error("ManualSeed(7) twice gave different Linear weights")
	}
}

func TestStateDictRoundTrip(t *testing.T) {
	src, dst := newClassifier(tensor.NewRNG(1)), newClassifier(tensor.NewRNG(2))
	src.Steps.Data()[0] = 17
	sd := StateDict(src)
	if len(sd) != 5 {
		t.Fatalf("StateDict has %d entries, want 5", len(sd))
	}
	if sd["head.weight"].RequiresGrad() {
		t.Error("StateDict tensors should be detached")
	}
	if err := LoadStateDict(dst, sd, true); err != nil {
		t.Fatal(err)
	}
	for name, v := range StateDict(dst) {
		if !slices.Equal(v.Data(), sd[name].Data()) {
			t.Errorf("%s not copied", name)
		}
	}
	if dst.Steps.Data()[0] != 17 {
		t.Error("buffer not loaded")
	}
	// Values are copied, not shared: the source can change afterwards.
	sd["head.bias"].Data()[0] = 1e6
	if dst.Head.Bias.Data()[0] == 1e6 {
		t.Error("LoadStateDict shares storage with the state dict")
	}
	// StateDict shares storage with the module.
	src.Head.Bias.Data()[1] = -5
	if sd["head.bias"].Data()[1] != -5 {
		t.Error("StateDict should view the module's storage")
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	m := newClassifier(tensor.NewRNG(1))
	good := StateDict(newClassifier(tensor.NewRNG(2)))
	before := slices.Clone(m.Head.Weight.Data())

	sd := StateDict(newClassifier(tensor.NewRNG(2)))
	delete(sd, "head.bias")
	sd["head.scale"] = tensor.Ones(3)
	sd["features.0.weight"] = tensor.Zeros(8, 5)
	err := LoadStateDict(m, sd, true)
	var se *StateDictError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *StateDictError", err)
	}
	msg := err.Error()
	for _, part := range []string{
		`missing key(s): "head.bias"`,
		`unexpected key(s): "head.scale"`,
		`size mismatch for "features.0.weight": shape [8 5] in the state dict, [8 4] in the module`,
	} {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q lacks %q", msg, part)
		}
	}
	if !slices.Equal(m.Head.Weight.Data(), before) {
		t.Error("a failed LoadStateDict changed the module")
	}

	// Not strict: missing and unexpected keys are skipped, shapes still checked.
	err = LoadStateDict(m, sd, false)
	if err == nil || strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), "features.0.weight") {
		t.Errorf("non-strict error = %v, want only the size mismatch", err)
	}
	sd["features.0.weight"] = good["features.0.weight"]
	if err := LoadStateDict(m, sd, false); err != nil {
		t.Errorf("non-strict load: %v", err)
	}
	if !slices.Equal(m.Head.Weight.Data(), good["head.weight"].Data()) {
		t.Error("non-strict load did not copy head.weight")
	}
}

func TestZeroGradAndSharedParameters(t *testing.T) {
	rng := tensor.NewRNG(1)
	a := NewLinear(3, 3, rng)
	b := NewLinear(3, 3, rng)
	b.Weight = a.Weight // tied weights
	net := NewSequential(a, b)
	if n := len(Parameters(net)); n != 3 {
		t.Errorf("%d parameters with a tied weight, want 3", n)
	}
	if n := NumParameters(net); n != 9+3+3 {
		t.Errorf("NumParameters = %d, want 15", n)
	}
	if n := len(StateDictNames(net)); n != 4 {
		t.Errorf("state dict has %d names, want 4 (a tied tensor appears under both)", n)
	}
	net.Forward(tensor.Ones(2, 3)).Sum().Backward()
	if a.Weight.Grad == nil || b.Bias.Grad == nil {
		t.Fatal("no gradients after Backward")
	}
	ZeroGrad(net)
	for _, p := range Parameters(net) {
		if p.Grad != nil {
			t.Errorf("gradient of %v not cleared", p.Shape())
		}
	}
}
