package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks report GFLOP/s (2·m·n·k per call). Thread count is part of the
// name (threads=1, threads=2) so one run compares serial and parallel.
//
//	go test ./internal/kernels/ -run '^$' -bench 'Sgemm/../1024/' -count 5

var gemmLayouts = []struct {
	name           string
	transA, transB bool
}{{"nn", false, false}, {"nt", false, true}, {"tn", true, false}}

func benchGemm(b *testing.B, transA, transB bool, m, n, k, threads int) {
	rng := rand.New(rand.NewPCG(3, 4))
	// op(A) m×k, op(B) k×n: the stored shapes swap under transposition but
	// hold the same number of elements.
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	a, bm, c := gemmRandSlice(rng, m*k), gemmRandSlice(rng, k*n), make([]float32, m*n)
	old := SetThreads(threads)
	defer SetThreads(old)
	Sgemm(transA, transB, m, n, k, 1, a, lda, bm, ldb, 0, c, n) // warm the pools
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Sgemm(transA, transB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/sec/1e9, "GFLOP/s")
}

func BenchmarkSgemm(b *testing.B) {
	for _, l := range gemmLayouts {
		for _, s := range []int{64, 128, 256, 512, 1024, 2048} {
			for _, t := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%d/threads=%d", l.name, s, t), func(b *testing.B) {
					benchGemm(b, l.transA, l.transB, s, s, s, t)
				})
			}
		}
	}
}

// BenchmarkSgemmMLP covers an MNIST MLP at batch 64 (784-64-… layers):
// forward x·Wᵀ is NT m=64,n=64,k=784; the backward products are
// m=64,n=784,k=64 (dX = dY·W is NN, dW = dYᵀ·X is TN); 64×64×32 is a
// small hidden layer. The shapes are run in every layout anyway.
func BenchmarkSgemmMLP(b *testing.B) {
	for _, l := range gemmLayouts {
		for _, s := range [][3]int{{64, 784, 64}, {64, 64, 784}, {64, 64, 32}} {
			for _, t := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/m%dn%dk%d/threads=%d", l.name, s[0], s[1], s[2], t), func(b *testing.B) {
					benchGemm(b, l.transA, l.transB, s[0], s[1], s[2], t)
				})
			}
		}
	}
}
