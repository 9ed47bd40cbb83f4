package text

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/deepgo/deepgo/internal/datatest"
)

// bertVocab loads $DEEPGO_DATA/bert-vocab/vocab.txt once per test binary.
var bertOnce struct {
	sync.Once
	w   *WordPiece
	err error
}

func bertVocab(t testing.TB) *WordPiece {
	t.Helper()
	dir := datatest.Dataset(t, "bert-vocab")
	bertOnce.Do(func() { bertOnce.w, bertOnce.err = LoadWordPiece(filepath.Join(dir, "vocab.txt")) })
	if bertOnce.err != nil {
		t.Fatal(bertOnce.err)
	}
	return bertOnce.w
}

// sst2 loads $DEEPGO_DATA/sst2/<split>.tsv once per split.
var sstSets sync.Map // split -> *sstLoad

type sstLoad struct {
	sync.Once
	ex  []Example
	err error
}

func sst2(t testing.TB, split string) []Example {
	t.Helper()
	dir := datatest.Dataset(t, "sst2")
	v, _ := sstSets.LoadOrStore(split, &sstLoad{})
	l := v.(*sstLoad)
	l.Do(func() { l.ex, l.err = LoadSST2(filepath.Join(dir, split+".tsv")) })
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.ex
}

// toyTokens is a vocabulary small enough to reason about by hand: the
// README of google-research/bert splits "unaffable" as un ##aff ##able with
// its example vocabulary.
var toyTokens = []string{
	"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
	"un", "##aff", "##able", "a", "##ff", "##a", "aff", "able",
	"the", "cat", "sat", ",", ".", "!", "'", "s", "ca", "##t", "##s",
	"é", "e", "中", "你", "好", "cafe", "##ω", "ω",
}

func toyVocab(t testing.TB) *WordPiece {
	t.Helper()
	w, err := NewWordPiece(slices.Clone(toyTokens))
	if err != nil {
		t.Fatal(err)
	}
	return w
}
