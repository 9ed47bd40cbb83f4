package text

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// fuzzVocab is BERT's vocabulary when $DEEPGO_DATA has it (more words
// split into pieces, fewer [UNK]), else the toy one: fuzz targets must run
// everywhere.
var fuzzVocab = sync.OnceValue(func() *WordPiece {
	if d := os.Getenv("DEEPGO_DATA"); d != "" {
		if w, err := LoadWordPiece(filepath.Join(d, "bert-vocab", "vocab.txt")); err == nil {
			return w
		}
	}
	w, err := NewWordPiece(slices.Clone(toyTokens))
	if err != nil {
		panic(err)
	}
	return w
})

var fuzzSeeds = []string{
	"", "Héllo, World! unaffable", "我爱北京天安门 日本語のテキスト 한국어", "a\x00b\xff\ufffd\u200b c",
	"e\u0301\u0301 \u0301", "ΟΔΟΣ İ ß ﬁ", "$5+3=8 «¿Qué?»", strings.Repeat("a", 101), strings.Repeat("ω", 99) + "ωω",
	"😀👍🏽 👨‍👩‍👧", "tab\tnew\nline\r\u2028\u00a0", "[CLS] ##s ##", "don't it's rock'n'roll", "\u1fef\u037e\u0385",
}

// The properties: no panic; ids in the vocabulary, no special token but
// [UNK]; each basic word is either [UNK] or pieces that spell it; without
// [UNK], Decode gives back the basic words; the basic tokenizer is
// idempotent; encodings respect MaxLen and have their special tokens,
// mask and segments in place.
func FuzzTokenize(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, uint8(i*7))
	}
	f.Fuzz(func(t *testing.T, s string, n uint8) {
		w := fuzzVocab()
		ids := w.Encode(s)
		words := BasicTokenize(s)
		unk := false
		k := 0
		for _, word := range words {
			if !utf8.ValidString(word) || word == "" {
				t.Fatalf("basic word %q of %q", word, s)
			}
			if k >= len(ids) {
				t.Fatalf("%q: %d ids for %d words", s, len(ids), len(words))
			}
			if ids[k] == w.UnkID() {
				unk = true
				k++
				continue
			}
			var spelled strings.Builder
			for first := true; k < len(ids) && spelled.Len() < len(word); first = false {
				tok := w.Token(ids[k])
				if w.IsSpecial(ids[k]) {
					t.Fatalf("%q: special token %s inside a word", s, tok)
				}
				piece, cont := strings.CutPrefix(tok, "##")
				if cont == first {
					t.Fatalf("%q: piece %q at the wrong place in word %q", s, tok, word)
				}
				spelled.WriteString(piece)
				k++
			}
			if spelled.String() != word {
				t.Fatalf("%q: pieces spell %q, want word %q", s, spelled.String(), word)
			}
		}
		if k != len(ids) {
			t.Fatalf("%q: %d ids, %d used by the words", s, len(ids), k)
		}
		if toks := w.Tokenize(s); len(toks) != len(ids) {
			t.Fatalf("Tokenize gives %d tokens, Encode %d ids", len(toks), len(ids))
		}
		joined := strings.Join(words, " ")
		if !unk {
			if d := w.Decode(ids); d != joined {
				t.Fatalf("Decode(Encode(%q)) = %q, want %q", s, d, joined)
			}
		}
		if again := BasicTokenize(joined); !slices.Equal(again, words) {
			t.Fatalf("BasicTokenize is not idempotent on %q: %q then %q", s, words, again)
		}

		maxLen := 3 + int(n%24)
		half := len(s) / 2
		for _, pad := range []bool{false, true} {
			opt := EncodeOptions{MaxLen: maxLen, Pad: pad}
			checkEncoding(t, w, w.EncodeSentence(s, opt), opt, false)
			checkEncoding(t, w, w.EncodePair(s[:half], s[half:], opt), opt, true)
		}
	})
}

func checkEncoding(t *testing.T, w *WordPiece, e Encoding, opt EncodeOptions, pair bool) {
	t.Helper()
	n := len(e.IDs)
	if n > opt.MaxLen || (opt.Pad && n != opt.MaxLen) || len(e.AttentionMask) != n || len(e.SegmentIDs) != n {
		t.Fatalf("%+v: lengths %d %d %d", opt, n, len(e.AttentionMask), len(e.SegmentIDs))
	}
	real := 0
	for real < n && e.AttentionMask[real] == 1 {
		real++
	}
	seps := 0
	for i, id := range e.IDs {
		switch {
		case i >= real:
			if id != w.PadID() || e.AttentionMask[i] != 0 || e.SegmentIDs[i] != 0 {
				t.Fatalf("%+v: padding at %d: %d %d %d", opt, i, id, e.AttentionMask[i], e.SegmentIDs[i])
			}
		case i == 0:
			if id != w.ClsID() || e.SegmentIDs[0] != 0 {
				t.Fatalf("%+v: starts with %d", opt, id)
			}
		case id == w.SepID():
			seps++
			if seps == 1 && e.SegmentIDs[i] != 0 {
				t.Fatalf("%+v: first [SEP] in segment %d", opt, e.SegmentIDs[i])
			}
		case id == w.ClsID() || id == w.PadID():
			t.Fatalf("%+v: special %d at %d", opt, id, i)
		}
	}
	want := 1
	if pair {
		want = 2
	}
	if seps != want || e.IDs[real-1] != w.SepID() {
		t.Fatalf("%+v: %d [SEP], last real token %d", opt, seps, e.IDs[real-1])
	}
}

// The readers' properties: no panic; an error and no examples, or
// examples with labels 0/1, non-empty trimmed texts, and (for SST-2) one
// example per row after the header.
func FuzzReadSST2(f *testing.F) {
	f.Add([]byte("sentence\tlabel\nit 's good \t1\nbad\t0\n"))
	f.Add([]byte("sentence\tlabel\r\na\t1\r\n\n"))
	f.Add([]byte("sentence\tlabel\na\tb\t1\n"))
	f.Add([]byte("index\tsentence\n0\ta\n"))
	f.Add([]byte("sentence\tlabel\n\na\t1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ex, err := readSST2(bytes.NewReader(b), "fuzz.tsv")
		if err != nil {
			if ex != nil || !strings.HasPrefix(err.Error(), "text: fuzz.tsv") {
				t.Fatalf("error %v with %d examples", err, len(ex))
			}
			return
		}
		rows := 0
		for _, line := range strings.Split(string(b), "\n")[1:] {
			if strings.TrimSuffix(line, "\r") != "" {
				rows++
			}
		}
		if len(ex) != rows {
			t.Fatalf("%d examples from %d rows", len(ex), rows)
		}
		checkExamples(t, ex)
		for _, e := range ex {
			if strings.Contains(e.Text, "\t") {
				t.Fatalf("SST-2 text %q holds a tab", e.Text)
			}
		}
	})
}

func FuzzReadSentences(f *testing.F) {
	f.Add([]byte("Great phone!  \t1\nAwful.\t0\n"))
	f.Add([]byte("a\tb\t1\n"))
	f.Add([]byte("no tab 1\n"))
	f.Add([]byte("\"stray quote\t0\n\u0085nel\t1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ex, err := readSentences(bytes.NewReader(b), "fuzz.txt")
		if err != nil {
			if ex != nil || !strings.HasPrefix(err.Error(), "text: fuzz.txt") {
				t.Fatalf("error %v with %d examples", err, len(ex))
			}
			return
		}
		checkExamples(t, ex)
	})
}

func checkExamples(t *testing.T, ex []Example) {
	t.Helper()
	if len(ex) == 0 {
		t.Fatal("no examples and no error")
	}
	for _, e := range ex {
		if e.Label != 0 && e.Label != 1 || e.Text == "" || e.Text != strings.TrimSpace(e.Text) || strings.Contains(e.Text, "\n") {
			t.Fatalf("example %+v", e)
		}
	}
}
