package nn

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/deepgo/deepgo/tensor"
)

// BenchmarkConvAlgorithms times forward + backward (input, weight and bias
// gradients) of the 3×3, padding 1 convolutions of the lecture's CIFAR
// model 3 at batch 64, and the 64→64 layer of bench/compare's
// conv3x3-64-fwdbwd, with im2col and with Winograd:
//
//	go test -bench ConvAlgorithms -run '^$' -benchtime 5x ./nn
//
// Each iteration runs both algorithms one after the other, so that they
// share whatever else the machine is doing, and the figures are medians
// over the iterations: milliseconds of wall time and of CPU time (user +
// system, all threads) per call for each, and the speed-up of Winograd
// over im2col in both. On a shared machine the CPU-time ratio is the
// steadier one.
func BenchmarkConvAlgorithms(b *testing.B) {
	for _, s := range []struct{ in, out, hw int }{
		{3, 32, 32}, {32, 64, 32}, {64, 64, 32}, {64, 128, 16}, {128, 128, 16}, {128, 256, 8}, {256, 256, 8},
	} {
		layer := convBenchLayer{s.in, s.out, s.hw, 3, 1, true}
		b.Run(fmt.Sprintf("%d-%d-%dx%d", s.in, s.out, s.hw, s.hw), func(b *testing.B) {
			med := benchConvLayer(b, layer, []string{"im2col", "winograd"})
			b.ReportMetric(med[0][0]/med[1][0], "speedup")
			b.ReportMetric(med[0][1]/med[1][1], "cpu-speedup")
		})
	}
}

// convBenchLayer is a convolution of a [64, in, hw, hw] batch into out
// channels with a k×k kernel and padding pad; inputGrad asks for the
// input's gradient too.
type convBenchLayer struct {
	in, out, hw, k, pad int
	inputGrad           bool
}

// benchConvLayer times forward + backward of layer under each algorithm,
// one after the other in each iteration so that they share whatever else
// the machine is doing, after one warm-up call each (pools, page faults).
// It reports, and returns, each algorithm's median milliseconds of wall
// and CPU time (user + system, all threads) per call. On a shared machine
// the CPU time is the steadier one.
func benchConvLayer(b *testing.B, s convBenchLayer, algos []string) (med [][2]float64) {
	rng := tensor.NewRNG(1)
	x := randInput(rng, -1, 1, 64, s.in, s.hw, s.hw)
	if !s.inputGrad {
		x = x.Detach()
	}
	c := NewConv2d(s.in, s.out, Conv2dOptions{Kernel: [2]int{s.k, s.k}, Padding: [2]int{s.pad, s.pad}}, rng)
	step := func(algo string) (wall, cpu time.Duration) {
		withConvAlgorithm(b, algo, func() {
			if s.inputGrad {
				x.ZeroGrad()
			}
			ZeroGrad(c)
			w0, c0 := time.Now(), cpuTime()
			c.Forward(x).Sum().Backward()
			wall, cpu = time.Since(w0), cpuTime()-c0
		})
		return wall, cpu
	}
	for _, a := range algos {
		step(a)
	}
	walls, cpus := make([][]float64, len(algos)), make([][]float64, len(algos))
	for b.Loop() {
		for i, a := range algos {
			wall, cpu := step(a)
			walls[i] = append(walls[i], wall.Seconds()*1e3)
			cpus[i] = append(cpus[i], cpu.Seconds()*1e3)
		}
	}
	med = make([][2]float64, len(algos))
	for i, a := range algos {
		med[i] = [2]float64{median(walls[i]), median(cpus[i])}
		b.ReportMetric(med[i][0], a+"-ms")
		b.ReportMetric(med[i][1], a+"-cpu-ms")
	}
	return med
}

// cpuTime returns the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s { // insertion sort: a handful of values
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
