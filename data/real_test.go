package data

import (
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/deepgo/deepgo/internal/datatest"
	"github.com/deepgo/deepgo/tensor"
)

// Tests on the real files in $DEEPGO_DATA (shared/datasets in CI). Each set
// is read once per test binary: the training images take half a second to
// inflate and 188 MB as float32.

type loaded struct {
	once sync.Once
	ds   *TensorDataset
	err  error
}

var realSets sync.Map // "mnist/train" -> *loaded

func realSet(t testing.TB, kind string, train bool) *TensorDataset {
	t.Helper()
	sub := map[string]string{"mnist": "mnist", "fashion": "fashion-mnist"}[kind]
	dir := datatest.Dataset(t, sub)
	key := sub + "/" + map[bool]string{true: "train", false: "test"}[train]
	v, _ := realSets.LoadOrStore(key, &loaded{})
	l := v.(*loaded)
	l.once.Do(func() {
		if kind == "mnist" {
			l.ds, l.err = LoadMNIST(dir, train)
		} else {
			l.ds, l.err = LoadFashionMNIST(dir, train)
		}
	})
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.ds
}

func TestRealMNISTAndFashion(t *testing.T) {
	for _, c := range []struct {
		kind    string
		train   bool
		n       int
		minC    int // smallest class count
		maxC    int // largest
		first   int // first label
		mean    float64
		meanTol float64
	}{
		// MNIST: train classes 5421 (digit 5) .. 6742 (digit 1), test 892 .. 1135.
		{"mnist", true, 60000, 5421, 6742, 5, MNISTMean, 1e-3},
		{"mnist", false, 10000, 892, 1135, 7, MNISTMean, 5e-3},
		// Fashion-MNIST: exactly 6000 / 1000 per class.
		{"fashion", true, 60000, 6000, 6000, 9, FashionMNISTMean, 1e-3},
		{"fashion", false, 10000, 1000, 1000, 9, FashionMNISTMean, 5e-3},
	} {
		if raceEnabled && c.train {
			continue
		}
		ds := realSet(t, c.kind, c.train)
		x, y := ds.Tensors()
		if !slices.Equal(x.Shape(), []int{c.n, 1, 28, 28}) || !slices.Equal(y.Shape(), []int{c.n}) {
			t.Fatalf("%s train=%v: shapes %v %v", c.kind, c.train, x.Shape(), y.Shape())
		}
		hist := make([]int, 10)
		for _, l := range y.Data() {
			hist[int(l)]++
		}
		if slices.Min(hist) != c.minC || slices.Max(hist) != c.maxC {
			t.Errorf("%s train=%v: class counts %v, want %d..%d", c.kind, c.train, hist, c.minC, c.maxC)
		}
		if got := int(y.At(0)); got != c.first {
			t.Errorf("%s train=%v: first label %d, want %d", c.kind, c.train, got, c.first)
		}
		lo, hi, sum := float32(math.Inf(1)), float32(math.Inf(-1)), 0.0
		for _, v := range x.Data() {
			lo, hi = min(lo, v), max(hi, v)
			sum += float64(v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s train=%v: pixels in [%v, %v], want [0, 1]", c.kind, c.train, lo, hi)
		}
		// The published mean confirms the /255 scaling and the data.
		if mean := sum / float64(x.Numel()); math.Abs(mean-c.mean) > c.meanTol {
			t.Errorf("%s train=%v: pixel mean %.4f, want %.4f", c.kind, c.train, mean, c.mean)
		}
	}
}

// The decompressed SHA-256 table that verifies downloads must match the
// files whose provenance is documented.
func TestRealChecksumTable(t *testing.T) {
	for _, s := range []*idxSet{mnistSet, fashionSet} {
		dir := datatest.Dataset(t, s.sub)
		for k, f := range s.files {
			if raceEnabled && k != 3 {
				continue // the test labels only
			}
			fh, err := os.Open(filepath.Join(dir, f.name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ContentSHA256(fh)
			fh.Close()
			if err != nil || got != f.sha256 {
				t.Errorf("%s/%s: content sha256 %s, %v; the table says %s", s.sub, f.name, got, err, f.sha256)
			}
		}
	}
}

func TestRealFindMNIST(t *testing.T) {
	root := datatest.Dir(t)
	if got, err := FindMNIST(root); err != nil || got != filepath.Join(root, "mnist") {
		t.Fatalf("FindMNIST(%s) = %q, %v", root, got, err)
	}
	if got, err := FindFashionMNIST(root); err != nil || got != filepath.Join(root, "fashion-mnist") {
		t.Fatalf("FindFashionMNIST(%s) = %q, %v", root, got, err)
	}
}

// batchHash fingerprints a batch's bits, so that epochs can be compared
// without keeping 188 MB of batches around.
func batchHash(x, y *tensor.Tensor) uint64 {
	h := fnv.New64a()
	for _, t := range []*tensor.Tensor{x, y} {
		d := t.Data()
		if len(d) > 0 {
			h.Write(unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), 4*len(d)))
		}
	}
	return h.Sum64()
}

func TestRealLoaderMNIST(t *testing.T) {
	// 60000 samples: 937 batches of 64 and one of 32 (10000 under -race:
	// 156 and one of 16).
	ds, nb, last := realSet(t, "mnist", true), 938, 32
	if raceEnabled {
		ds, nb, last = realSet(t, "mnist", false), 157, 16
	}
	cfg := LoaderConfig{BatchSize: 64, Shuffle: true, Seed: 1}
	l := NewLoader(ds, cfg)
	if l.Len() != nb {
		t.Fatalf("Len %d, want %d", l.Len(), nb)
	}
	epoch := func(l *Loader, e int) []uint64 {
		var hs []uint64
		seen := 0
		for x, y := range l.Epoch(e) {
			b := x.Size(0)
			if !slices.Equal(x.Shape(), []int{b, 1, 28, 28}) || !slices.Equal(y.Shape(), []int{b}) {
				t.Fatalf("batch shapes %v %v", x.Shape(), y.Shape())
			}
			if b != 64 && seen != nb-1 {
				t.Fatalf("batch %d has %d samples", seen, b)
			}
			seen++
			hs = append(hs, batchHash(x, y))
		}
		if seen != nb {
			t.Fatalf("%d batches, want %d", seen, nb)
		}
		return hs
	}
	a := epoch(l, 0)
	b := epoch(NewLoader(ds, cfg), 0) // a fresh loader, as after a restart
	c := epoch(l, 1)
	if !slices.Equal(a, b) {
		t.Error("two runs of epoch 0 with the same seed differ")
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same > 0 {
		t.Errorf("epochs 0 and 1 share %d identical batches", same)
	}
	got := 0
	for x := range NewLoader(ds, LoaderConfig{BatchSize: 64}).Epoch(0) {
		got = x.Size(0)
	}
	if got != last {
		t.Errorf("last batch %d, want %d", got, last)
	}
}
