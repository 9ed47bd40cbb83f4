package main

import (
	"errors"
	"fmt"
	"index/suffixarray"
	"sort"
	"strings"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/text"
)

// tokenizer turns a sentence into the token ids a sentiment model reads:
// WordPiece ids with [CLS] and [SEP] for the mini-BERT, word ids for the
// GRU. Rows are cut to maxLen tokens; pad is the id that fills batches.
type tokenizer interface {
	encode(s string) []int
	pad() int
	// tokens returns the vocabulary, id i on line i, for the model file.
	tokens() []string
	// token names id, for attention maps.
	token(id int) string
}

type wordPieceTokenizer struct {
	wp     *text.WordPiece
	maxLen int
}

func (t wordPieceTokenizer) encode(s string) []int {
	return t.wp.EncodeSentence(s, text.EncodeOptions{MaxLen: t.maxLen}).IDs
}
func (t wordPieceTokenizer) pad() int            { return t.wp.PadID() }
func (t wordPieceTokenizer) token(id int) string { return t.wp.Token(id) }
func (t wordPieceTokenizer) tokens() []string {
	out := make([]string, t.wp.Size())
	for i := range out {
		out[i] = t.wp.Token(i)
	}
	return out
}

// wordTokenizer is text.Vocab's word-level encoding (text.Words, unknown
// words to id 1, padding id 0) over a word list that the model file
// carries, so that predict needs no vocabulary file.
type wordTokenizer struct {
	words  []string
	index  map[string]int
	maxLen int
}

func newWordTokenizer(words []string, maxLen int) (wordTokenizer, error) {
	if len(words) < 2 || words[0] != text.VocabPad || words[1] != text.VocabUnk {
		return wordTokenizer{}, fmt.Errorf("word vocabulary: want %s and %s as its first two words", text.VocabPad, text.VocabUnk)
	}
	t := wordTokenizer{words: words, index: make(map[string]int, len(words)), maxLen: maxLen}
	for i, w := range words {
		t.index[w] = i
	}
	return t, nil
}

// vocabWords lists the words of v by id.
func vocabWords(v *text.Vocab) []string {
	out := make([]string, v.Size())
	for i := range out {
		out[i] = v.Word(i)
	}
	return out
}

func (t wordTokenizer) encode(s string) []int {
	words := text.Words(s)
	if t.maxLen > 0 && len(words) > t.maxLen {
		words = words[:t.maxLen]
	}
	ids := make([]int, len(words))
	for i, w := range words {
		id, ok := t.index[w]
		if !ok {
			id = 1 // text.VocabUnk
		}
		ids[i] = id
	}
	return ids
}
func (t wordTokenizer) pad() int            { return 0 }
func (t wordTokenizer) token(id int) string { return t.words[id] }
func (t wordTokenizer) tokens() []string    { return t.words }

// textSet is a tokenized sentiment dataset. As a data.Batcher it pads each
// batch to its longest sentence only (dynamic padding), so that batches of
// short SST-2 phrases stay short.
//
// Get(i) returns the ids [n] and the label []; Batch returns ids [B, L]
// (pad after each row's end) and labels [B].
type textSet struct {
	rows   [][]int
	labels []float32
	padID  int
}

func newTextSet(examples []text.Example, tok tokenizer) *textSet {
	s := &textSet{rows: make([][]int, len(examples)), labels: make([]float32, len(examples)), padID: tok.pad()}
	for i, e := range examples {
		s.rows[i] = tok.encode(e.Text)
		s.labels[i] = float32(e.Label)
	}
	return s
}

func (s *textSet) Len() int { return len(s.rows) }

func (s *textSet) Get(i int) (x, y *tensor.Tensor) {
	x, y = s.Batch([]int{i})
	return x.Reshape(x.Size(1)), y.Reshape()
}

func (s *textSet) Batch(idx []int) (x, y *tensor.Tensor) {
	rows := make([][]int, len(idx))
	labels := make([]float32, len(idx))
	for j, i := range idx {
		rows[j], labels[j] = s.rows[i], s.labels[i]
	}
	return padRows(rows, s.padID), tensor.New(labels, len(idx))
}

// padRows stacks rows into [B, L] float32-coded ids, L the longest row
// (at least 1), pad after each row's end.
func padRows(rows [][]int, pad int) *tensor.Tensor {
	l := 1
	for _, r := range rows {
		l = max(l, len(r))
	}
	out := make([]float32, len(rows)*l)
	for i, r := range rows {
		row := out[i*l : (i+1)*l]
		for j := range row {
			row[j] = float32(pad)
			if j < len(r) {
				row[j] = float32(r[j])
			}
		}
	}
	return tensor.New(out, len(rows), l)
}

// sentimentData is SST-2's train and dev splits.
type sentimentData struct {
	train, dev []text.Example
}

// loadSST2 reads SST-2 from the data folder; limit > 0 keeps the first
// limit training and dev examples (tests).
func loadSST2(dataDir string, limit int) (*sentimentData, error) {
	var d sentimentData
	for _, split := range []string{"train", "dev"} {
		path, err := text.SST2File(dataDir, split)
		if err != nil {
			return nil, err
		}
		ex, err := text.LoadSST2(path)
		if err != nil {
			return nil, err
		}
		if limit > 0 && len(ex) > limit {
			ex = ex[:limit]
		}
		if split == "train" {
			d.train = ex
		} else {
			d.dev = ex
		}
	}
	return &d, nil
}

// loadWordPiece reads the BERT vocabulary of the data folder.
func loadWordPiece(dataDir string) (*text.WordPiece, error) {
	path, err := text.BERTVocabFile(dataDir)
	if err != nil {
		return nil, err
	}
	return text.LoadWordPiece(path)
}

// loadPretrainCorpus returns the pre-training sentences: SST-2's train
// sentences (only the maximal phrases with maximal set, see
// maximalPhrases) and the UCI labelled sentences (labels unused), and
// SST-2's dev sentences, held out to measure the masked-token loss and
// accuracy.
func loadPretrainCorpus(dataDir string, limit int, maximal bool) (corpus, heldOut []string, err error) {
	sst, err := loadSST2(dataDir, limit)
	if err != nil {
		return nil, nil, err
	}
	corpus = text.Texts(sst.train)
	if maximal {
		corpus = maximalPhrases(corpus)
	}
	dir, err := text.SentencesDir(dataDir)
	if err != nil {
		return nil, nil, err
	}
	uci, err := text.LoadSentencesDir(dir)
	if err != nil {
		return nil, nil, err
	}
	if limit > 0 && len(uci) > limit {
		uci = uci[:limit]
	}
	corpus = append(corpus, text.Texts(uci)...)
	return corpus, text.Texts(sst.dev), nil
}

// maximalPhrases keeps the phrases that do not occur, word for word,
// inside another phrase of the list, each once. SST-2's training set holds
// every phrase of its sentences' parse trees: its 67,349 rows (634k words)
// hold the text of 6,885 maximal phrases (133k words), so masked-language
// pre-training on those sees the same text with full contexts in a fifth
// of the time (deepgo sentiment pretrain --maximal-phrases).
func maximalPhrases(phrases []string) []string {
	seen := make(map[string]bool, len(phrases))
	var all strings.Builder
	for _, p := range phrases {
		if !seen[p] {
			seen[p] = true
			all.WriteString("\x00 " + p + " ")
		}
	}
	index := suffixarray.New([]byte(all.String()))
	var out []string
	for _, p := range phrases {
		if seen[p] && len(index.Lookup([]byte(" "+p+" "), 2)) < 2 {
			out = append(out, p)
		}
		seen[p] = false // a repeat is not kept twice
	}
	return out
}

// maskedPositions returns the flat positions (row·L + column) of labels
// [B, L] that are not text.IgnoreIndex, and their labels [M].
func maskedPositions(labels *tensor.Tensor) (positions []int, targets *tensor.Tensor) {
	var t []float32
	for p, v := range labels.Data() {
		if v != text.IgnoreIndex {
			positions = append(positions, p)
			t = append(t, v)
		}
	}
	return positions, tensor.New(t, len(t))
}

// bucketBatches groups the sentences of the given lengths into batches of
// up to size sentences of about the same length, so that padding to a
// batch's longest sentence costs little: sorted by length, ties in a random
// order, cut into batches, the batches shuffled. The grouping depends only
// on the lengths, size and seed.
func bucketBatches(lengths []int, size int, seed uint64) [][]int {
	rng := tensor.NewRNG(seed)
	order := rng.Perm(len(lengths))
	sort.SliceStable(order, func(a, b int) bool { return lengths[order[a]] < lengths[order[b]] })
	var batches [][]int
	for lo := 0; lo < len(order); lo += size {
		batches = append(batches, order[lo:min(lo+size, len(order))])
	}
	rng.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	return batches
}

// bucketSet serves whole batches of a textSet as its samples: sample k is
// batch k of bucketBatches, x [B_k, L_k] ids and y [B_k] labels, with
// L_k barely longer than the batch's shortest sentence. It is meant for a
// data.Loader with BatchSize 1, which then yields these batches (Shuffle:
// in a new order every epoch) and whose Len is the number of batches; the
// loader calls Batch, which returns the batch itself rather than a stack
// of one. SST-2's phrases run from 1 to 60 tokens, so random batches
// would be mostly padding.
type bucketSet struct {
	set     *textSet
	batches [][]int
}

func newBucketSet(set *textSet, size int, seed uint64) *bucketSet {
	lengths := make([]int, len(set.rows))
	for i, r := range set.rows {
		lengths[i] = len(r)
	}
	return &bucketSet{set: set, batches: bucketBatches(lengths, size, seed)}
}

func (b *bucketSet) Len() int { return len(b.batches) }

// Get returns batch k: ids [B, L] and labels [B].
func (b *bucketSet) Get(k int) (x, y *tensor.Tensor) { return b.set.Batch(b.batches[k]) }

// Batch returns the sentences of the batches idx together (usually one).
func (b *bucketSet) Batch(idx []int) (x, y *tensor.Tensor) {
	var all []int
	for _, k := range idx {
		all = append(all, b.batches[k]...)
	}
	return b.set.Batch(all)
}

// mixSeed derives a generator seed from a seed and further values with
// SplitMix64's finalizer, so that neighbouring values (steps 3 and 4) give
// unrelated generators.
func mixSeed(seed uint64, vals ...uint64) uint64 {
	h := seed
	for _, v := range append([]uint64{0}, vals...) {
		h ^= v
		h += 0x9e3779b97f4a7c15
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}

var (
	_ data.Batcher = (*textSet)(nil)
	_ data.Batcher = (*bucketSet)(nil)
)

var errEmptySentence = errors.New("empty sentence: give the text to classify, e.g. \"This film is great\"")
