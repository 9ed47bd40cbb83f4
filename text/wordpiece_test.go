package text

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deepgo/deepgo/internal/testutil"
)

func TestBasicTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" \t\n\r ", nil},
		{"Héllo, World!", []string{"hello", ",", "world", "!"}},
		{"naïve CAFÉ résumé", []string{"naive", "cafe", "resume"}},
		{"e\u0301 a\u0308\u0323", []string{"e", "a"}}, // decomposed accents
		{"\u0301alone", []string{"alone"}},            // a mark with nothing to sit on
		{"don't", []string{"don", "'", "t"}},
		{"$5+3=8 ^_^ a~b", []string{"$", "5", "+", "3", "=", "8", "^", "_", "^", "a", "~", "b"}}, // ASCII symbols count as punctuation
		{"«¿Qué?»", []string{"«", "¿", "que", "?", "»"}},
		{"我爱you", []string{"我", "爱", "you"}},                                  // CJK one per word
		{"日本語のテキスト", []string{"日", "本", "語", "のテキスト"}},                        // kana is not split
		{"a\x00b c\x07d e\u200bf g\u00adh", []string{"ab", "cd", "ef", "gh"}}, // controls, zero width, soft hyphen dropped
		{"a\xffb \ufffd", []string{"ab"}},                                     // invalid UTF-8 and U+FFFD dropped
		{"a\u00a0b\u3000c\u2028d\u2003e", []string{"a", "b", "c", "d", "e"}},
		{"ΟΔΟΣ", []string{"οδοσ"}}, // per-rune lower case: σ, not a final ς
		{"İstanbul", []string{"istanbul"}},
		{"a\u1fefb", []string{"a", "`", "b"}},  // GREEK VARIA decomposes to a grave accent
		{"x\u037ey", []string{"x", ";", "y"}},  // GREEK QUESTION MARK decomposes to ';'
		{"©2024™", []string{"©2024™"}},         // symbols (So) are not punctuation
		{"\ue000private", []string{"private"}}, // private use dropped
		{"\u0378", []string{"\u0378"}},         // unassigned code points kept, as HuggingFace does
	}
	for _, c := range cases {
		if got := BasicTokenize(c.in); !slices.Equal(got, c.want) {
			t.Errorf("BasicTokenize(%+q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Hangul syllables decompose into their jamo: one word of 3 letters.
	if got := BasicTokenize("한"); len(got) != 1 || got[0] != "\u1112\u1161\u11ab" {
		t.Errorf("BasicTokenize(한) = %+q, want the three jamo", got)
	}
}

// The README of google-research/bert: "unaffable" -> un ##aff ##able with
// a vocabulary holding those pieces; greedy longest match takes "un" (the
// longest known prefix), then "##aff", then "##able".
func TestWordPieceGreedy(t *testing.T) {
	w := toyVocab(t)
	cases := []struct {
		in   string
		want []string
	}{
		{"unaffable", []string{"un", "##aff", "##able"}},
		{"Affable!", []string{"aff", "##able", "!"}},
		{"the cats sat.", []string{"the", "cat", "##s", "sat", "."}}, // "cat" beats "ca"
		{"catt", []string{"cat", "##t"}},
		{"cab", []string{"[UNK]"}}, // "ca" then no piece for "b": the whole word
		{"the xyz cat", []string{"the", "[UNK]", "cat"}},
		{"café", []string{"cafe"}},
		{"你好", []string{"你", "好"}},
		{"ωω", []string{"ω", "##ω"}}, // pieces end on rune boundaries
		{strings.Repeat("a", MaxWordRunes), append([]string{"a"}, slices.Repeat([]string{"##a"}, MaxWordRunes-1)...)},
		{strings.Repeat("a", MaxWordRunes+1), []string{"[UNK]"}},
		{strings.Repeat("ω", MaxWordRunes), append([]string{"ω"}, slices.Repeat([]string{"##ω"}, MaxWordRunes-1)...)}, // counted in runes, not bytes
		{strings.Repeat("ω", MaxWordRunes+1), []string{"[UNK]"}},
		{"[CLS]", []string{"[UNK]", "[UNK]", "[UNK]"}}, // "[", "cls", "]" are not in the toy vocabulary
	}
	for _, c := range cases {
		if got := w.Tokenize(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Well-known bert-base-uncased tokenizations: the BERT README's example,
// the BERT paper's next-sentence example, HuggingFace's documentation, and
// the lecture's sentiment sentences. "unaffable" is una ##ffa ##ble with
// this vocabulary: it has "una" but no "unaf"/"unaff", so greedy longest
// match takes "una" (the README's un ##aff ##able used another vocabulary).
func TestWordPieceKnown(t *testing.T) {
	w := bertVocab(t)
	cases := []struct {
		in   string
		want string
	}{
		{"John Johanson's house", "john johan ##son ' s house"},
		{"the man went to the store", "the man went to the store"},
		{"he bought a gallon of milk", "he bought a gallon of milk"},
		{"Using a Transformer network is simple", "using a transform ##er network is simple"},
		{"embeddings", "em ##bed ##ding ##s"},
		{"unaffable", "una ##ffa ##ble"},
		{"This film is terrible", "this film is terrible"},
		{"This lecture was dense but interesting", "this lecture was dense but interesting"},
	}
	for _, c := range cases {
		if got := strings.Join(w.Tokenize(c.in), " "); got != c.want {
			t.Errorf("Tokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, s := range []struct {
		name string
		got  int
		want int
	}{{"size", w.Size(), 30522}, {"[PAD]", w.PadID(), 0}, {"[UNK]", w.UnkID(), 100}, {"[CLS]", w.ClsID(), 101}, {"[SEP]", w.SepID(), 102}, {"[MASK]", w.MaskID(), 103}} {
		if s.got != s.want {
			t.Errorf("%s = %d, want %d", s.name, s.got, s.want)
		}
	}
	if id, ok := w.ID("the"); !ok || id != 1996 || w.Token(1996) != "the" {
		t.Errorf("ID(the) = %d %v, Token(1996) = %q; want 1996", id, ok, w.Token(1996))
	}
	if id, ok := w.ID("##ing"); !ok || w.Token(id) != "##ing" {
		t.Errorf("ID(##ing) = %d %v", id, ok)
	}
	if _, ok := w.ID("ing##"); ok {
		t.Error("ID found a token that is not in the vocabulary")
	}
}

func TestLoadWordPieceErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	specials := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
	cases := []struct {
		name, content string
		want          []string // all must appear in the error
	}{
		{"missing.txt", "", []string{"missing.txt", "no such file"}},
		{"blank.txt", specials + "a\n\nb\n", []string{"blank.txt", "line 7", "empty token"}},
		{"dup.txt", specials + "a\nb\na\n", []string{"dup.txt", "line 8", `"a"`, "line 6"}},
		{"nospecial.txt", "[PAD]\n[UNK]\n[CLS]\na\n", []string{"nospecial.txt", "[SEP]", "[MASK]", "missing"}},
		{"utf8.txt", specials + "a\xff\n", []string{"utf8.txt", "line 6", "UTF-8"}},
		{"empty.txt", "", []string{"empty.txt", "empty vocabulary"}},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		if c.name != "missing.txt" {
			path = write(c.name, c.content)
		}
		w, err := LoadWordPiece(path)
		if err == nil || w != nil {
			t.Errorf("%s: got %v, %v; want an error", c.name, w, err)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, s)
			}
		}
	}
	// CRLF line ends and blank lines at the end are forgiven; special
	// tokens are found wherever they are.
	w, err := LoadWordPiece(write("crlf.txt", "a\r\n[MASK]\r\n[SEP]\r\n[CLS]\r\n[UNK]\r\n[PAD]\r\n\r\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Size() != 6 || w.PadID() != 5 || w.UnkID() != 4 || w.ClsID() != 3 || w.SepID() != 2 || w.MaskID() != 1 || w.Token(0) != "a" {
		t.Errorf("crlf.txt: size %d, ids %d %d %d %d %d", w.Size(), w.PadID(), w.UnkID(), w.ClsID(), w.SepID(), w.MaskID())
	}
	if _, err := NewWordPiece([]string{"[PAD]"}); err == nil || !strings.Contains(err.Error(), "NewWordPiece") {
		t.Errorf("NewWordPiece without special tokens: %v", err)
	}
}

func TestDecode(t *testing.T) {
	w := toyVocab(t)
	id := func(tok string) int {
		i, ok := w.ID(tok)
		if !ok {
			t.Fatalf("no %q", tok)
		}
		return i
	}
	cases := []struct {
		ids  []int
		want string
	}{
		{nil, ""},
		{[]int{id("[CLS]"), id("un"), id("##aff"), id("##able"), id("cat"), id("##s"), id("[SEP]"), id("[PAD]")}, "unaffable cats"},
		{[]int{id("##s"), id("cat")}, "##s cat"},              // nothing to glue to
		{[]int{id("[CLS]"), id("##s"), id("cat")}, "##s cat"}, // skipped tokens do not count
		{[]int{id("the"), id("[MASK]"), id("[UNK]"), id("!")}, "the [MASK] [UNK] !"},
	}
	for _, c := range cases {
		if got := w.Decode(c.ids); got != c.want {
			t.Errorf("Decode(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
	mustPanic(t, "WordPiece.Decode: id 99 outside the vocabulary [0, 32)", func() { w.Decode([]int{99}) })
	mustPanic(t, "WordPiece.Token: id -1", func() { w.Token(-1) })
}

func TestTokenizeConcurrent(t *testing.T) {
	w := bertVocab(t)
	texts := []string{"Héllo, unaffable wörld!", "我爱北京天安门", "the quick brown fox", strings.Repeat("long sentence ", 50)}
	want := make([][]int, len(texts))
	for i, s := range texts {
		want[i] = w.Encode(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 200 {
				i := (g + k) % len(texts)
				if got := w.Encode(texts[i]); !slices.Equal(got, want[i]) {
					t.Errorf("goroutine %d: Encode(%q) = %v, want %v", g, texts[i], got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// mustPanic runs f and checks that it panics with a message holding want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	if msg := testutil.MustPanic(t, f, want); msg != "" && !strings.HasPrefix(msg, "deepgo: ") {
		t.Errorf("panic %q; want it to start with \"deepgo: \"", msg)
	}
}
