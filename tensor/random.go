package tensor

import (
	"math/rand/v2"
	"sync"
)

// RNG is a seeded random generator for tensors (PCG). Its state can be saved
// and restored, so that a resumed training run draws the same numbers.
// An RNG is not safe for concurrent use.
type RNG struct {
	pcg *rand.PCG
	r   *rand.Rand
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG {
	p := rand.NewPCG(seed, seed^0xda3e39cb94b95bdb)
	return &RNG{pcg: p, r: rand.New(p)}
}

// State returns the generator's state for checkpoints.
func (g *RNG) State() []byte {
	b, _ := g.pcg.MarshalBinary() // PCG's marshalling cannot fail
	return b
}

// SetState restores a state returned by State.
func (g *RNG) SetState(b []byte) error { return g.pcg.UnmarshalBinary(b) }

// Float32 returns a uniform value in [0, 1).
func (g *RNG) Float32() float32 { return g.r.Float32() }

// Float64 returns a uniform value in [0, 1).
func (g *RNG) Float64() float64 { return g.r.Float64() }

// NormFloat64 returns a standard normal value.
func (g *RNG) NormFloat64() float64 { return g.r.NormFloat64() }

// IntN returns a uniform integer in [0, n).
func (g *RNG) IntN(n int) int { return g.r.IntN(n) }

// Perm returns a random permutation of [0, n).
func (g *RNG) Perm(n int) []int { return g.r.Perm(n) }

// Shuffle permutes n items with swap.
func (g *RNG) Shuffle(n int, swap func(i, j int)) { g.r.Shuffle(n, swap) }

var (
	defaultMu  sync.Mutex
	defaultRNG = NewRNG(0)
)

// ManualSeed reseeds the package's default generator (like torch.manual_seed).
func ManualSeed(seed uint64) {
	defaultMu.Lock()
	defaultRNG = NewRNG(seed)
	defaultMu.Unlock()
}

func withDefault(g *RNG, fn func(g *RNG)) {
	if g != nil {
		fn(g)
		return
	}
	defaultMu.Lock()
	defer defaultMu.Unlock()
	fn(defaultRNG)
}

// Uniform fills a new tensor with values uniform in [lo, hi), drawn from g
// (or the default generator when g is nil).
func Uniform(g *RNG, lo, hi float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	withDefault(g, func(g *RNG) {
		for i := range t.data {
			t.data[i] = lo + (hi-lo)*g.r.Float32()
		}
	})
	return t
}

// Rand fills a new tensor with values uniform in [0, 1).
func Rand(g *RNG, shape ...int) *Tensor { return Uniform(g, 0, 1, shape...) }

// Normal fills a new tensor with normal values of the given mean and std.
func Normal(g *RNG, mean, std float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	withDefault(g, func(g *RNG) {
		for i := range t.data {
			t.data[i] = mean + std*float32(g.r.NormFloat64())
		}
	})
	return t
}

// Randn fills a new tensor with standard normal values.
func Randn(g *RNG, shape ...int) *Tensor { return Normal(g, 0, 1, shape...) }

// Bernoulli returns a mask of 1s with probability p and 0s otherwise.
func Bernoulli(g *RNG, p float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	withDefault(g, func(g *RNG) {
		for i := range t.data {
			if g.r.Float64() < p {
				t.data[i] = 1
			}
		}
	})
	return t
}
