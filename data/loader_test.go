package data

import (
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deepgo/deepgo/tensor"
)

// collect runs one epoch and returns the label values of each batch and
// the shapes of the first batch.
func collect(l *Loader, epoch int) (labels [][]float32, xs []*tensor.Tensor) {
	for x, y := range l.Epoch(epoch) {
		labels = append(labels, y.Data())
		xs = append(xs, x)
	}
	return labels, xs
}

func TestLoaderBatches(t *testing.T) {
	ds := seqDataset(10)
	cases := []struct {
		batch    int
		dropLast bool
		sizes    []int
	}{
		{3, false, []int{3, 3, 3, 1}},
		{3, true, []int{3, 3, 3}},
		{5, false, []int{5, 5}},
		{5, true, []int{5, 5}},
		{12, true, nil},
		{12, false, []int{10}},
		{0, false, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, // default batch size 1
	}
	for _, c := range cases {
		l := NewLoader(ds, LoaderConfig{BatchSize: c.batch, DropLast: c.dropLast})
		if l.Len() != len(c.sizes) {
			t.Errorf("batch %d dropLast %v: Len %d, want %d", c.batch, c.dropLast, l.Len(), len(c.sizes))
		}
		labels, xs := collect(l, 0)
		var sizes []int
		var all []float32
		for k, lb := range labels {
			sizes = append(sizes, len(lb))
			all = append(all, lb...)
			if want := []int{len(lb), 2}; !slices.Equal(xs[k].Shape(), want) {
				t.Errorf("x shape %v, want %v", xs[k].Shape(), want)
			}
		}
		if !slices.Equal(sizes, c.sizes) {
			t.Errorf("batch %d dropLast %v: sizes %v, want %v", c.batch, c.dropLast, sizes, c.sizes)
		}
		// Without shuffling, samples come in order.
		for i, v := range all {
			if v != float32(i) {
				t.Fatalf("unshuffled order %v", all)
			}
		}
	}
}

func TestLoaderShuffleDeterministic(t *testing.T) {
	ds := seqDataset(50)
	cfg := LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 7}
	a, _ := collect(NewLoader(ds, cfg), 3)
	b, _ := collect(NewLoader(ds, cfg), 3) // a fresh loader: as after a resume
	if !slices.EqualFunc(a, b, equalFloats) {
		t.Fatal("the same (seed, epoch) gave different batches")
	}
	c, _ := collect(NewLoader(ds, cfg), 4)
	if slices.EqualFunc(a, c, equalFloats) {
		t.Fatal("epochs 3 and 4 gave the same batches")
	}
	cfg.Seed = 8
	d, _ := collect(NewLoader(ds, cfg), 3)
	if slices.EqualFunc(a, d, equalFloats) {
		t.Fatal("seeds 7 and 8 gave the same batches")
	}
	// Each epoch is a permutation: every sample exactly once.
	var all []float32
	for _, lb := range a {
		all = append(all, lb...)
	}
	slices.Sort(all)
	for i, v := range all {
		if v != float32(i) {
			t.Fatalf("epoch is not a permutation: %v", all)
		}
	}
	if got := NewLoader(ds, cfg).Order(3); !slices.Equal(got, NewLoader(ds, cfg).Order(3)) {
		t.Fatal("Order is not deterministic")
	}
}

// Prefetch depth, the Batcher fast path and the Get path must not change a
// single value, with or without a transform.
func TestLoaderSameBatchesEverywhere(t *testing.T) {
	ds := seqDataset(37)
	jitter := TransformFunc(func(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
		for i := range x.Data() {
			x.Data()[i] += rng.Float32()
		}
		return x
	})
	for _, tf := range []Transform{nil, jitter, Compose{jitter, Normalize{Mean: []float32{0.5}, Std: []float32{2}}}} {
		var ref [][]float32
		for _, src := range []Dataset{ds, getOnly{ds}} {
			for _, p := range []int{-1, 1, 2, 5} {
				l := NewLoader(src, LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 3, Prefetch: p, Transform: tf})
				var got [][]float32
				for x, y := range l.Epoch(2) {
					got = append(got, append(slices.Clone(x.Data()), y.Data()...))
				}
				if ref == nil {
					ref = got
				} else if !slices.EqualFunc(ref, got, equalFloats) {
					t.Fatalf("transform %T, %T, prefetch %d: batches differ", tf, src, p)
				}
			}
		}
	}
}

func TestLoaderRandomTransformPerSample(t *testing.T) {
	// A sample's random draws depend on (seed, epoch, sample), not on the
	// batch size or the order.
	ds := seqDataset(20)
	noise := TransformFunc(func(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
		return tensor.FromSlice([]float32{x.Data()[0], rng.Float32()})
	})
	draws := func(batch int, shuffle bool, epoch int) map[float32]float32 {
		m := map[float32]float32{}
		l := NewLoader(ds, LoaderConfig{BatchSize: batch, Shuffle: shuffle, Seed: 1, Transform: noise})
		for x := range l.Epoch(epoch) {
			for i := range x.Size(0) {
				m[x.At(i, 0)] = x.At(i, 1)
			}
		}
		return m
	}
	a, b := draws(3, false, 0), draws(7, true, 0)
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("sample %v drew %v with batch 3 and %v with batch 7 shuffled", k, a[k], b[k])
		}
	}
	c := draws(3, false, 1)
	same := 0
	for k := range a {
		if a[k] == c[k] {
			same++
		}
	}
	if same > 0 {
		t.Fatalf("%d samples drew the same numbers in epochs 0 and 1", same)
	}
}

func TestLoaderFreshBatches(t *testing.T) {
	ds := seqDataset(6)
	for _, src := range []Dataset{ds, getOnly{ds}} {
		l := NewLoader(src, LoaderConfig{BatchSize: 2})
		var kept []*tensor.Tensor
		for x := range l.Epoch(0) {
			kept = append(kept, x)
			for i := range x.Data() {
				x.Data()[i] = -1 // the consumer owns the batch
			}
		}
		if x, _ := ds.Get(0); x.Data()[0] != 0 {
			t.Fatal("writing to a batch changed the dataset")
		}
		if kept[0] == kept[1] || &kept[0].Data()[0] == &kept[1].Data()[0] {
			t.Fatal("batches share storage")
		}
		// A second epoch is unaffected by the writes.
		labels, _ := collect(l, 0)
		if labels[2][1] != 5 {
			t.Fatalf("second epoch labels %v", labels)
		}
	}
}

// waitGoroutines polls until the goroutine count is back to base; the
// runtime may take a moment to retire an exited goroutine.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d: leaked\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLoaderBreakStopsProducer(t *testing.T) {
	ds := seqDataset(1000)
	base := runtime.NumGoroutine()
	for _, p := range []int{1, 2, 8} {
		l := NewLoader(ds, LoaderConfig{BatchSize: 2, Prefetch: p})
		n := 0
		for range l.Epoch(0) {
			n++
			if n == 3 {
				break
			}
		}
		// A producer left blocked on its channel would never exit.
		waitGoroutines(t, base)
	}
	// A panic in the loop body stops the producer too.
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want boom", r)
			}
		}()
		for range NewLoader(ds, LoaderConfig{BatchSize: 2}).Epoch(0) {
			panic("boom")
		}
	}()
	waitGoroutines(t, base)
}

// panicky panics on one index, like a dataset with a corrupt sample.
type panicky struct {
	*TensorDataset
	bad int
}

func (p panicky) Get(i int) (x, y *tensor.Tensor) {
	if i == p.bad {
		panic("bad sample")
	}
	return p.TensorDataset.Get(i)
}

func TestLoaderProducerPanicReachesConsumer(t *testing.T) {
	base := runtime.NumGoroutine()
	l := NewLoader(getOnly{panicky{seqDataset(20), 9}}, LoaderConfig{BatchSize: 4})
	n := 0
	func() {
		defer func() {
			if r := recover(); r != "bad sample" {
				t.Fatalf("recovered %v, want the dataset's panic", r)
			}
		}()
		for range l.Epoch(0) {
			n++
		}
	}()
	if n != 2 {
		t.Errorf("%d batches before the panic, want 2", n)
	}
	waitGoroutines(t, base)
}

// gated counts Batch calls and reports each on a channel.
type gated struct {
	*TensorDataset
	calls  atomic.Int32
	called chan int32
}

func (g *gated) Batch(idx []int) (x, y *tensor.Tensor) {
	k := g.calls.Add(1)
	select {
	case g.called <- k:
	default:
	}
	return g.TensorDataset.Batch(idx)
}

func TestLoaderPrefetchOverlaps(t *testing.T) {
	// While the consumer holds batch 1, the producer must build batch 2
	// (and, with Prefetch 2, batch 3) without waiting for the consumer.
	for _, p := range []int{1, 2} {
		g := &gated{TensorDataset: seqDataset(40), called: make(chan int32, 64)}
		l := NewLoader(g, LoaderConfig{BatchSize: 4, Prefetch: p})
		for range l.Epoch(0) {
			want := int32(1 + p)
			timeout := time.After(5 * time.Second)
			for g.calls.Load() < want {
				select {
				case <-g.called:
				case <-timeout:
					t.Fatalf("prefetch %d: the producer built %d batches while the consumer held the first, want %d", p, g.calls.Load(), want)
				}
			}
			// And no further than Prefetch ahead.
			time.Sleep(20 * time.Millisecond)
			if got := g.calls.Load(); got != want {
				t.Fatalf("prefetch %d: %d batches built ahead, want %d", p, got, want)
			}
			break
		}
	}
	// Prefetch < 0 builds on demand: nothing ahead.
	g := &gated{TensorDataset: seqDataset(40), called: make(chan int32, 64)}
	for range NewLoader(g, LoaderConfig{BatchSize: 4, Prefetch: -1}).Epoch(0) {
		time.Sleep(10 * time.Millisecond)
		if got := g.calls.Load(); got != 1 {
			t.Fatalf("synchronous loader built %d batches, want 1", got)
		}
		break
	}
}

func TestLoaderEmptyAndMisuse(t *testing.T) {
	l := NewLoader(seqDataset(0), LoaderConfig{BatchSize: 4})
	if l.Len() != 0 {
		t.Fatalf("Len %d", l.Len())
	}
	for range l.Epoch(0) {
		t.Fatal("an empty dataset gave a batch")
	}
	mustPanic(t, "BatchSize -1 is negative", func() { NewLoader(seqDataset(1), LoaderConfig{BatchSize: -1}) })
	if c := NewLoader(seqDataset(1), LoaderConfig{}).Config(); c.BatchSize != 1 || c.Prefetch != 2 {
		t.Fatalf("defaults %+v", c)
	}
	// Samples of different shapes cannot be stacked.
	odd := TransformFunc(func(x *tensor.Tensor, _ *tensor.RNG) *tensor.Tensor {
		if x.Data()[0] == 1 {
			return tensor.Zeros(3)
		}
		return x
	})
	l = NewLoader(seqDataset(4), LoaderConfig{BatchSize: 4, Transform: odd})
	mustPanic(t, "sample 1 of the batch has shape [3] but sample 0 has [2]", func() {
		for range l.Epoch(0) {
		}
	})
}
