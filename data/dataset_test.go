package data

import (
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

func TestTensorDatasetGet(t *testing.T) {
	ds := seqDataset(5)
	if ds.Len() != 5 {
		t.Fatalf("Len %d, want 5", ds.Len())
	}
	x, y := ds.Get(3)
	if !slices.Equal(x.Shape(), []int{2}) || y.Dim() != 0 {
		t.Fatalf("Get shapes x %v y %v, want [2] and []", x.Shape(), y.Shape())
	}
	if !equalFloats(x.Data(), []float32{3, 3.5}) || y.Item() != 3 {
		t.Fatalf("Get(3) = %v, %v", x.Data(), y.Data())
	}
	// The sample is a copy: writing to it leaves the dataset alone.
	x.Data()[0] = 99
	if x2, _ := ds.Get(3); x2.Data()[0] != 3 {
		t.Fatal("Get returned the dataset's storage")
	}
}

func TestTensorDatasetBatch(t *testing.T) {
	x := tensor.Arange(0, 24, 1).Reshape(4, 2, 3) // 4 samples of [2 3]
	y := tensor.Arange(0, 8, 1).Reshape(4, 2)
	ds := NewTensorDataset(x, y)
	bx, by := ds.Batch([]int{2, 0, 2})
	if !slices.Equal(bx.Shape(), []int{3, 2, 3}) || !slices.Equal(by.Shape(), []int{3, 2}) {
		t.Fatalf("Batch shapes %v %v", bx.Shape(), by.Shape())
	}
	want := []float32{12, 13, 14, 15, 16, 17, 0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17}
	if !equalFloats(bx.Data(), want) || !equalFloats(by.Data(), []float32{4, 5, 0, 1, 4, 5}) {
		t.Fatalf("Batch = %v, %v", bx.Data(), by.Data())
	}
	// Batch equals stacking Get, the Batcher contract.
	gx, gy := getBatch(getOnly{ds}, []int{2, 0, 2}, nil, nil)
	if !equalFloats(gx.Data(), bx.Data()) || !equalFloats(gy.Data(), by.Data()) || !slices.Equal(gx.Shape(), bx.Shape()) {
		t.Fatal("Batch differs from stacked Get")
	}
	bx.Data()[0] = -1
	if x.Data()[12] != 12 {
		t.Fatal("Batch returned the dataset's storage")
	}
	if bx, _ := ds.Batch(nil); !slices.Equal(bx.Shape(), []int{0, 2, 3}) {
		t.Fatalf("empty batch shape %v", bx.Shape())
	}
}

func TestTensorDatasetMisuse(t *testing.T) {
	mustPanic(t, "sample counts differ (3 != 2)", func() { NewTensorDataset(tensor.Zeros(3, 4), tensor.Zeros(2)) })
	mustPanic(t, "sample axis", func() { NewTensorDataset(tensor.Scalar(1), tensor.Zeros(1)) })
	ds := seqDataset(3)
	mustPanic(t, "TensorDataset.Get: index 3 out of range [0, 3)", func() { ds.Get(3) })
	mustPanic(t, "TensorDataset.Batch: index -1 out of range [0, 3)", func() { ds.Batch([]int{0, -1}) })
}

func TestSubset(t *testing.T) {
	ds := seqDataset(10)
	s := NewSubset(ds, []int{7, 2, 9})
	if s.Len() != 3 {
		t.Fatalf("Len %d", s.Len())
	}
	if _, y := s.Get(1); y.Item() != 2 {
		t.Fatalf("Get(1) label %v, want 2", y.Item())
	}
	for _, parent := range []Dataset{ds, getOnly{ds}} {
		s := NewSubset(parent, []int{7, 2, 9})
		x, y := s.Batch([]int{2, 0})
		if !equalFloats(y.Data(), []float32{9, 7}) || !equalFloats(x.Data(), []float32{9, 9.5, 7, 7.5}) {
			t.Fatalf("Batch = %v, %v", x.Data(), y.Data())
		}
	}
	mustPanic(t, "NewSubset: index 10 out of range", func() { NewSubset(ds, []int{10}) })
	mustPanic(t, "Subset.Get: index 3 out of range [0, 3)", func() { s.Get(3) })
}

func TestRandomSplit(t *testing.T) {
	ds := seqDataset(100)
	parts := RandomSplit(ds, []int{70, 20, 10}, 42)
	seen := make([]int, 100)
	for k, want := range []int{70, 20, 10} {
		if parts[k].Len() != want {
			t.Fatalf("part %d has %d samples, want %d", k, parts[k].Len(), want)
		}
		for _, i := range parts[k].Indices {
			seen[i]++
		}
	}
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("sample %d appears %d times across the parts", i, c)
		}
	}
	// Shuffled, deterministic, and seed-dependent.
	if slices.IsSorted(parts[0].Indices) {
		t.Error("the split is not shuffled")
	}
	again := RandomSplit(ds, []int{70, 20, 10}, 42)
	other := RandomSplit(ds, []int{70, 20, 10}, 43)
	if !slices.Equal(again[1].Indices, parts[1].Indices) {
		t.Error("the same seed gave a different split")
	}
	if slices.Equal(other[1].Indices, parts[1].Indices) {
		t.Error("another seed gave the same split")
	}
	// Appending to one part must not overwrite the next.
	_ = append(parts[0].Indices, -1)
	if parts[1].Indices[0] == -1 {
		t.Error("parts share spare capacity")
	}
	mustPanic(t, "sizes [50 40] add up to 90, but the dataset has 100 samples", func() { RandomSplit(ds, []int{50, 40}, 1) })
	mustPanic(t, "negative size", func() { RandomSplit(ds, []int{110, -10}, 1) })
}

func TestMixSpreads(t *testing.T) {
	// Neighbouring epochs and seeds must give unrelated generators.
	seen := map[uint64]bool{}
	for seed := range uint64(4) {
		for epoch := range uint64(64) {
			h := mix(seed, streamShuffle, epoch)
			if seen[h] {
				t.Fatalf("mix collision at seed %d epoch %d", seed, epoch)
			}
			seen[h] = true
		}
	}
	if mix(1, streamShuffle, 0) == mix(1, streamSample, 0) {
		t.Error("streams are not independent")
	}
}
