package kernels

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// BenchmarkVec/<op>/<n> times the dispatched kernel (assembly on AVX2
// machines) and BenchmarkVec/<op>/<n>/go the pure-Go kernel on the same
// data. MB/s counts the bytes each call must read and write; Gelem/s is
// elements (n) per nanosecond.
//
//	go test -run '^$' -bench 'Vec/' -count 5 ./internal/kernels/ | benchstat -
func BenchmarkVec(b *testing.B) {
	type op struct {
		name  string
		bytes int // per element
		run   func(n int, d, x, y []float32)
	}
	var sink float32
	ops := []op{
		{"add", 12, func(n int, d, x, y []float32) { Add(d, x, y) }},
		{"sub", 12, func(n int, d, x, y []float32) { Sub(d, x, y) }},
		{"mul", 12, func(n int, d, x, y []float32) { Mul(d, x, y) }},
		{"div", 12, func(n int, d, x, y []float32) { Div(d, x, y) }},
		{"addscalar", 8, func(n int, d, x, y []float32) { AddScalar(d, x, 0.5) }},
		{"scale", 8, func(n int, d, x, y []float32) { Scale(d, x, 0.5) }},
		{"axpy", 12, func(n int, d, x, y []float32) { Axpy(1e-3, x, d) }},
		{"addto", 12, func(n int, d, x, y []float32) { AddTo(d, x) }},
		{"muladd", 16, func(n int, d, x, y []float32) { MulAdd(d, x, y) }},
		{"relu", 8, func(n int, d, x, y []float32) { Relu(d, x) }},
		{"relubackward", 12, func(n int, d, x, y []float32) { ReluBackward(d, x, y) }},
		{"addrowbroadcast", 8, func(n int, d, x, y []float32) {
			cols := min(n, 256)
			AddRowBroadcast(d, x, n/cols, cols, y[:cols])
		}},
		{"sumrows", 4, func(n int, d, x, y []float32) {
			cols := min(n, 256)
			SumRows(d[:cols], x, n/cols, cols)
		}},
		{"exp", 8, func(n int, d, x, y []float32) { Exp(d, x) }},
		{"sum", 4, func(n int, d, x, y []float32) { sink += Sum(x) }},
		{"dot", 8, func(n int, d, x, y []float32) { sink += Dot(x, y) }},
		{"max", 4, func(n int, d, x, y []float32) { m, _ := Max(x); sink += m }},
		{"softmax", 8, func(n int, d, x, y []float32) {
			cols := min(n, 1024)
			SoftmaxRows(d, x, n/cols, cols)
		}},
		{"logsoftmax", 8, func(n int, d, x, y []float32) {
			cols := min(n, 1024)
			LogSoftmaxRows(d, x, n/cols, cols)
		}},
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, o := range ops {
		b.Run(o.name, func(b *testing.B) {
			for _, n := range []int{64, 1024, 65536} {
				d, x, y := make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range x {
					x[i] = float32(r.Float64()*8 - 4)
					y[i] = float32(r.Float64()*8 - 4)
					d[i] = float32(r.Float64()*8 - 4)
				}
				for _, path := range []string{"", "/go"} {
					if path == "" && !vecTestHaveAsm {
						continue
					}
					b.Run(strconv.Itoa(n)+path, func(b *testing.B) {
						defer vecSetAsm(path == "")()
						b.SetBytes(int64(o.bytes * n))
						for b.Loop() {
							o.run(n, d, x, y)
						}
						b.ReportMetric(float64(n)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "Gelem/s")
					})
				}
			}
		})
	}
	_ = sink
}
