package data

import "testing"

// BenchmarkLoaderMNIST measures the loader alone on the MNIST training set at
// batch 64: one op is one batch, and batches/s is reported.
//
//	DEEPGO_DATA=../shared/datasets go test -run - -bench LoaderMNIST ./data/
func BenchmarkLoaderMNIST(b *testing.B) {
	ds := realSet(b, "mnist", true)
	for _, c := range []struct {
		name string
		cfg  LoaderConfig
	}{
		{"sequential", LoaderConfig{BatchSize: 64}},
		{"shuffle", LoaderConfig{BatchSize: 64, Shuffle: true, Seed: 1}},
		{"shuffle+normalize", LoaderConfig{BatchSize: 64, Shuffle: true, Seed: 1,
			Transform: Normalize{Mean: []float32{MNISTMean}, Std: []float32{MNISTStd}}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := NewLoader(ds, c.cfg)
			b.ReportAllocs()
			b.SetBytes(64 * 28 * 28 * 4)
			n, epoch := 0, 0
			for n < b.N {
				for range l.Epoch(epoch) {
					n++
					if n == b.N {
						break
					}
				}
				epoch++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
		})
	}
}
