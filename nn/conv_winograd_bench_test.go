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
		b.Run(fmt.Sprintf("%d-%d-%dx%d", s.in, s.out, s.hw, s.hw), func(b *testing.B) {
			rng := tensor.NewRNG(1)
			x := randInput(rng, -1, 1, 64, s.in, s.hw, s.hw)
			c := NewConv2d(s.in, s.out, Conv2dOptions{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}}, rng)
			step := func(algo string) (wall, cpu time.Duration) {
				withConvAlgorithm(b, algo, func() {
					x.ZeroGrad()
					ZeroGrad(c)
					w0, c0 := time.Now(), cpuTime()
					c.Forward(x).Sum().Backward()
					wall, cpu = time.Since(w0), cpuTime()-c0
				})
				return wall, cpu
			}
			step("im2col") // warm-up: pools, page faults
			step("winograd")
			var times [4][]float64 // im2col wall, cpu; winograd wall, cpu
			for b.Loop() {
				for i, algo := range []string{"im2col", "winograd"} {
					wall, cpu := step(algo)
					times[2*i] = append(times[2*i], wall.Seconds()*1e3)
					times[2*i+1] = append(times[2*i+1], cpu.Seconds()*1e3)
				}
			}
			var med [4]float64
			for i, t := range times {
				med[i] = median(t)
			}
			b.ReportMetric(med[0], "im2col-ms")
			b.ReportMetric(med[2], "winograd-ms")
			b.ReportMetric(med[1], "im2col-cpu-ms")
			b.ReportMetric(med[3], "winograd-cpu-ms")
			b.ReportMetric(med[0]/med[2], "speedup")
			b.ReportMetric(med[1]/med[3], "cpu-speedup")
		})
	}
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
