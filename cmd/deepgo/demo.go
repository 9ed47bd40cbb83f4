package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
	"github.com/spf13/cobra"
)

type demoOptions struct {
	samples, hidden, epochs, batch, threads int
	lr, noise                               float64
	seed                                    uint64
	out                                     string
}

func demoCommand() *cobra.Command {
	o := demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "train a small MLP on a 2-D two-class problem (the lecture's first picture)",
		Long: `demo trains the lecture's first example: a multi-layer perceptron
2 -> hidden -> hidden -> 1 with tanh, learning two interleaving half-moons by
mini-batch SGD on the binary cross-entropy. It prints the loss and accuracy as
it learns and writes the decision regions to <out>/decision.png.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := runDemo(o)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.samples, "samples", 1000, "points per split (train and test)")
	f.Float64Var(&o.noise, "noise", 0.15, "standard deviation of the noise added to the moons")
	f.IntVar(&o.hidden, "hidden", 16, "width of the two hidden layers")
	f.IntVar(&o.epochs, "epochs", 300, "passes over the training set")
	f.IntVar(&o.batch, "batch-size", 32, "mini-batch size")
	f.Float64Var(&o.lr, "lr", 0.1, "SGD learning rate")
	f.Uint64Var(&o.seed, "seed", 1, "random seed (data, initialisation and shuffling)")
	f.IntVar(&o.threads, "threads", 0, "compute threads (0: all cores)")
	f.StringVar(&o.out, "out", "", "run folder (default runs/demo-<time>)")
	return cmd
}

// moons samples two interleaving half circles, labels 0 and 1.
func moons(g *tensor.RNG, n int, noise float64) (x, y *tensor.Tensor) {
	xs, ys := make([]float32, 2*n), make([]float32, n)
	for i := 0; i < n; i++ {
		t := math.Pi * g.Float64()
		px, py := math.Cos(t), math.Sin(t)
		if i%2 == 1 {
			px, py = 1-px, 0.5-math.Sin(t)
			ys[i] = 1
		}
		xs[2*i] = float32(px + noise*g.NormFloat64())
		xs[2*i+1] = float32(py + noise*g.NormFloat64())
	}
	return tensor.New(xs, n, 2), tensor.New(ys, n, 1)
}

// moonsNet is 2 -> h -> h -> 1 with tanh, initialised as PyTorch's Linear:
// weights and biases uniform in ±1/√fan_in.
type moonsNet struct{ w1, b1, w2, b2, w3, b3 *tensor.Tensor }

func newMoonsNet(g *tensor.RNG, h int) *moonsNet {
	layer := func(in, out int) (*tensor.Tensor, *tensor.Tensor) {
		bound := float32(1 / math.Sqrt(float64(in)))
		return tensor.Uniform(g, -bound, bound, out, in).SetRequiresGrad(true),
			tensor.Uniform(g, -bound, bound, out).SetRequiresGrad(true)
	}
	m := &moonsNet{}
	m.w1, m.b1 = layer(2, h)
	m.w2, m.b2 = layer(h, h)
	m.w3, m.b3 = layer(h, 1)
	return m
}

func (m *moonsNet) params() []*tensor.Tensor {
	return []*tensor.Tensor{m.w1, m.b1, m.w2, m.b2, m.w3, m.b3}
}

// logits returns the pre-sigmoid scores, shape [n, 1].
func (m *moonsNet) logits(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.Linear(x, m.w1, m.b1).Tanh()
	h = tensor.Linear(h, m.w2, m.b2).Tanh()
	return tensor.Linear(h, m.w3, m.b3)
}

// bceWithLogits is mean(softplus(z) − y·z), the binary cross-entropy of
// σ(z) against y without computing σ (stable for large |z|).
func bceWithLogits(z, y *tensor.Tensor) *tensor.Tensor {
	return z.Softplus().Sub(y.Mul(z)).Mean()
}

func accuracy(z, y *tensor.Tensor) float64 {
	right := 0
	for i, v := range z.Data() {
		if (v > 0) == (y.Data()[i] > 0.5) {
			right++
		}
	}
	return float64(right) / float64(len(y.Data()))
}

// runDemo trains and reports; it returns the final test accuracy.
func runDemo(o demoOptions) (float64, error) {
	if o.samples < 2 || o.hidden < 1 || o.epochs < 1 || o.batch < 1 || o.lr <= 0 || o.threads < 0 {
		return 0, usageError{fmt.Errorf("demo: --samples >= 2, --hidden, --epochs, --batch-size >= 1, --lr > 0 and --threads >= 0 are required")}
	}
	if o.threads > 0 {
		kernels.SetThreads(o.threads)
	}
	if o.out == "" {
		o.out = filepath.Join("runs", "demo-"+time.Now().Format("20060102-150405"))
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return 0, fmt.Errorf("demo: cannot create the run folder: %w", err)
	}
	start := time.Now()
	g := tensor.NewRNG(o.seed)
	xTrain, yTrain := moons(g, o.samples, o.noise)
	xTest, yTest := moons(g, o.samples, o.noise)
	m := newMoonsNet(g, o.hidden)
	fmt.Printf("demo: MLP 2-%d-%d-1 (tanh), %d train / %d test points, SGD lr=%g batch=%d\n",
		o.hidden, o.hidden, o.samples, o.samples, o.lr, o.batch)

	xb, yb := make([]float32, 2*o.batch), make([]float32, o.batch)
	for epoch := 1; epoch <= o.epochs; epoch++ {
		perm := g.Perm(o.samples)
		var sum float64
		for s := 0; s < o.samples; s += o.batch {
			n := min(o.batch, o.samples-s)
			for i, p := range perm[s : s+n] {
				copy(xb[2*i:2*i+2], xTrain.Data()[2*p:2*p+2])
				yb[i] = yTrain.Data()[p]
			}
			loss := bceWithLogits(m.logits(tensor.New(xb[:2*n], n, 2)), tensor.New(yb[:n], n, 1))
			loss.Backward()
			for _, p := range m.params() {
				d, gr := p.Data(), p.Grad.Data()
				for i := range d {
					d[i] -= float32(o.lr) * gr[i]
				}
				p.ZeroGrad()
			}
			sum += float64(loss.Item()) * float64(n)
		}
		if epoch == 1 || epoch%(max(o.epochs/10, 1)) == 0 || epoch == o.epochs {
			var testAcc float64
			tensor.NoGrad(func() { testAcc = accuracy(m.logits(xTest), yTest) })
			fmt.Printf("epoch %4d  loss %.4f  test accuracy %.2f%%\n", epoch, sum/float64(o.samples), 100*testAcc)
		}
	}
	var trainAcc, testAcc float64
	tensor.NoGrad(func() {
		trainAcc = accuracy(m.logits(xTrain), yTrain)
		testAcc = accuracy(m.logits(xTest), yTest)
	})
	pic := filepath.Join(o.out, "decision.png")
	if err := drawDecision(pic, m, xTest, yTest); err != nil {
		return 0, err
	}
	fmt.Printf("done: train_acc=%.2f%% test_acc=%.2f%% epochs=%d wall=%.1fs run=%s\n",
		100*trainAcc, 100*testAcc, o.epochs, time.Since(start).Seconds(), o.out)
	return testAcc, nil
}

// drawDecision paints the model's probability of class 1 over the plane
// (blue for 0, orange for 1) with the test points on top.
func drawDecision(path string, m *moonsNet, x, y *tensor.Tensor) error {
	const size = 400
	x0, x1, y0, y1 := -1.5, 2.5, -1.0, 1.5
	grid := make([]float32, 0, 2*size*size)
	for r := 0; r < size; r++ {
		for c := 0; c < size; c++ {
			grid = append(grid, float32(x0+(x1-x0)*float64(c)/size), float32(y1-(y1-y0)*float64(r)/size))
		}
	}
	var p *tensor.Tensor
	tensor.NoGrad(func() { p = m.logits(tensor.New(grid, size*size, 2)).Sigmoid() })
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	blend := func(a, b uint8, t float32) uint8 { return uint8(float32(a)*(1-t) + float32(b)*t) }
	for i, v := range p.Data() {
		img.Set(i%size, i/size, color.RGBA{blend(160, 250, v), blend(190, 200, v), blend(240, 150, v), 255})
	}
	for i := 0; i < len(y.Data()); i++ {
		px := int((float64(x.Data()[2*i]) - x0) / (x1 - x0) * size)
		py := int((y1 - float64(x.Data()[2*i+1])) / (y1 - y0) * size)
		col := color.RGBA{20, 60, 200, 255}
		if y.Data()[i] > 0.5 {
			col = color.RGBA{220, 90, 0, 255}
		}
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				img.Set(px+dx, py+dy, col)
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: cannot write the picture: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("demo: cannot encode %s: %w", path, err)
	}
	return f.Close()
}
