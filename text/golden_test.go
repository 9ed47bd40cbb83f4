package text

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/internal/datatest"
)

// The golden file holds bert-base-uncased tokenizations by HuggingFace's
// tokenizers 0.23 (see testdata/wordpiece_golden.js): 653 texts (tricky
// strings, every third SST-2 dev sentence, UCI sentences), 260 model inputs
// with and without pairs, truncation and padding, and 1000 truncated pairs
// of every length up to 9. Every id must match.

type golden struct {
	Generator   string `json:"generator"`
	VocabSHA256 string `json:"vocab_sha256"`
	Tokenize    []struct {
		Text    string `json:"text"`
		IDs     []int  `json:"ids"`
		Decoded string `json:"decoded"`
	} `json:"tokenize"`
	Encode []struct {
		A             string  `json:"a"`
		B             *string `json:"b"`
		MaxLen        int     `json:"max_len"`
		Pad           bool    `json:"pad"`
		IDs           []int   `json:"ids"`
		AttentionMask []int   `json:"attention_mask"`
		SegmentIDs    []int   `json:"segment_ids"`
	} `json:"encode"`
	Truncation [][5]int `json:"truncation"`
}

func loadGolden(t *testing.T) (*golden, *WordPiece) {
	t.Helper()
	w := bertVocab(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "wordpiece_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	vocab, err := os.ReadFile(filepath.Join(datatest.Dataset(t, "bert-vocab"), "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(vocab); hex.EncodeToString(sum[:]) != g.VocabSHA256 {
		t.Fatalf("vocab.txt has sha256 %x; the golden file was made with %s", sum, g.VocabSHA256)
	}
	return &g, w
}

func TestWordPieceGolden(t *testing.T) {
	g, w := loadGolden(t)
	if len(g.Tokenize) < 600 {
		t.Fatalf("golden file has only %d texts", len(g.Tokenize))
	}
	bad := 0
	for _, c := range g.Tokenize {
		got := w.Encode(c.Text)
		if !slices.Equal(got, c.IDs) {
			bad++
			if bad <= 10 {
				t.Errorf("Encode(%+q)\n got %v %q\nwant %v %q", c.Text, got, tokens(w, got), c.IDs, tokens(w, c.IDs))
			}
			continue
		}
		if d := w.Decode(got); d != c.Decoded {
			bad++
			t.Errorf("Decode(Encode(%+q)) = %q, want %q", c.Text, d, c.Decoded)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d texts differ from %s", bad, len(g.Tokenize), g.Generator)
	}
}

func TestEncodeGolden(t *testing.T) {
	g, w := loadGolden(t)
	pairs := 0
	for _, c := range g.Encode {
		opt := EncodeOptions{MaxLen: c.MaxLen, Pad: c.Pad}
		var e Encoding
		if c.B != nil {
			pairs++
			e = w.EncodePair(c.A, *c.B, opt)
		} else {
			e = w.EncodeSentence(c.A, opt)
		}
		if !slices.Equal(e.IDs, c.IDs) || !slices.Equal(e.AttentionMask, c.AttentionMask) || !slices.Equal(e.SegmentIDs, c.SegmentIDs) {
			t.Errorf("encode %+q / %+v with %+v:\n got %v %v %v\nwant %v %v %v", c.A, c.B, opt,
				e.IDs, e.AttentionMask, e.SegmentIDs, c.IDs, c.AttentionMask, c.SegmentIDs)
		}
	}
	if pairs == 0 || pairs == len(g.Encode) {
		t.Fatalf("golden file has %d pairs in %d encodings", pairs, len(g.Encode))
	}
}

// Pairs of "x x x ..." (one token per x) of every length up to 9 with
// MaxLen 3 to 12: how many tokens of each sentence stay.
func TestTruncatePairGolden(t *testing.T) {
	g, w := loadGolden(t)
	if len(g.Truncation) < 500 {
		t.Fatalf("golden file has %d truncation cases", len(g.Truncation))
	}
	for _, c := range g.Truncation {
		na, nb, maxLen, wantA, wantB := c[0], c[1], c[2], c[3], c[4]
		e := w.EncodePair(strings.Repeat("x ", na), strings.Repeat("x ", nb), EncodeOptions{MaxLen: maxLen})
		ka, kb := -2, -1 // [CLS] a [SEP] have segment 0, b [SEP] segment 1
		for _, s := range e.SegmentIDs {
			if s == 0 {
				ka++
			} else {
				kb++
			}
		}
		if ka != wantA || kb != wantB {
			t.Errorf("lengths %d and %d, MaxLen %d: kept %d and %d, want %d and %d", na, nb, maxLen, ka, kb, wantA, wantB)
		}
	}
}
func tokens(w *WordPiece, ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = w.Token(id)
	}
	return out
}
