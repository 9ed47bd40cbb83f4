package text

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"This film is TERRIBLE, don't!", []string{"this", "film", "is", "terrible", ",", "don't", "!"}},
		{"it 's a film that does n't work", []string{"it", "'", "s", "a", "film", "that", "does", "n't", "work"}},
		{"'quoted' rock'n'roll it’s", []string{"'", "quoted", "'", "rock'n'roll", "it’s"}},
		{"5 stars!!! 10/10 :-)", []string{"5", "stars", "!", "!", "!", "10", "/", "10", ":", "-", ")"}},
		{"Café naïve 😀👍", []string{"café", "naïve", "😀", "👍"}},
		{"a\tb\nc\u00a0d\x00e", []string{"a", "b", "c", "d", "e"}},
		{"我爱", []string{"我爱"}},
	}
	for _, c := range cases {
		if got := Words(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Words(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBuildVocab(t *testing.T) {
	texts := []string{"the film is good", "The film is bad!", "a good film", "bad"}
	// film 3, the 2, is 2, good 2, bad 2, a 1, ! 1
	v := BuildVocab(texts, 0, 0)
	want := []string{VocabPad, VocabUnk, "film", "bad", "good", "is", "the", "!", "a"}
	if got := vocabWords(v); !slices.Equal(got, want) {
		t.Errorf("BuildVocab(0, 0) = %q, want %q", got, want)
	}
	if got := vocabWords(BuildVocab(texts, 2, 0)); !slices.Equal(got, want[:7]) {
		t.Errorf("minFreq 2: %q, want %q", got, want[:7])
	}
	if got := vocabWords(BuildVocab(texts, 1, 4)); !slices.Equal(got, want[:4]) {
		t.Errorf("maxSize 4: %q, want %q", got, want[:4])
	}
	if got := vocabWords(BuildVocab(nil, 0, 2)); !slices.Equal(got, want[:2]) {
		t.Errorf("empty: %q", got)
	}

	ids := v.Encode("The GOOD film, really")
	if !slices.Equal(ids, []int{6, 4, 2, 1, 1}) {
		t.Errorf("Encode = %v, want [6 4 2 1 1]", ids)
	}
	if got := v.Decode([]int{6, 4, 2, 0, 0}); got != "the good film" {
		t.Errorf("Decode = %q", got)
	}
	if id, ok := v.ID("film"); !ok || id != 2 || v.Word(2) != "film" || v.PadID() != 0 || v.UnkID() != 1 || v.Size() != 9 {
		t.Errorf("ID(film) = %d %v, Word(2) = %q, size %d", id, ok, v.Word(2), v.Size())
	}
	mustPanic(t, "BuildVocab: minFreq 0, maxSize 1", func() { BuildVocab(texts, 0, 1) })
	mustPanic(t, "Vocab.Decode: id 9 outside the vocabulary [0, 9)", func() { v.Decode([]int{9}) })
	mustPanic(t, "Vocab.Word: id -1", func() { v.Word(-1) })
}

func vocabWords(v *Vocab) []string {
	out := make([]string, v.Size())
	for i := range out {
		out[i] = v.Word(i)
	}
	return out
}

func TestVocabEncodeBatch(t *testing.T) {
	v := BuildVocab([]string{"the film is good", "the film"}, 0, 0)
	// ids: <pad> 0, <unk> 1, film 2, the 3, good 4, is 5
	ids, lengths := v.EncodeBatch([]string{"the film", "", "good film is the best"}, 0)
	if !slices.Equal(ids.Shape(), []int{3, 5}) {
		t.Fatalf("shape %v, want [3 5]", ids.Shape())
	}
	want := []float32{3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2, 5, 3, 1}
	if !slices.Equal(ids.Data(), want) || !slices.Equal(lengths, []int{2, 1, 5}) {
		t.Errorf("ids %v lengths %v, want %v [2 1 5]", ids.Data(), lengths, want)
	}
	ids, lengths = v.EncodeBatch([]string{"the film", "good film is the best"}, 3)
	want = []float32{3, 2, 0, 4, 2, 5}
	if !slices.Equal(ids.Shape(), []int{2, 3}) || !slices.Equal(ids.Data(), want) || !slices.Equal(lengths, []int{2, 3}) {
		t.Errorf("length 3: %v %v lengths %v, want %v [2 3]", ids.Shape(), ids.Data(), lengths, want)
	}
	mustPanic(t, "Vocab.EncodeBatch: length -1", func() { v.EncodeBatch(nil, -1) })
}

func TestVocabSaveLoad(t *testing.T) {
	dir := t.TempDir()
	v := BuildVocab([]string{"Ünïcode words, don't panic: 😀 rock'n'roll"}, 0, 0)
	path := filepath.Join(dir, "vocab.txt")
	if err := v.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadVocab(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(vocabWords(got), vocabWords(v)) {
		t.Errorf("loaded %q, saved %q", vocabWords(got), vocabWords(v))
	}
	var buf bytes.Buffer
	if n, err := v.WriteTo(&buf); err != nil || n != int64(buf.Len()) || !strings.HasPrefix(buf.String(), "<pad>\n<unk>\n") {
		t.Errorf("WriteTo: %d bytes, %v: %q", n, err, buf.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Save left %d files behind", len(entries))
	}
	if err := v.Save(filepath.Join(dir, "no", "such", "dir", "v.txt")); err == nil || !strings.Contains(err.Error(), "save vocabulary") {
		t.Errorf("Save into a missing folder: %v", err)
	}

	cases := []struct{ name, content, want string }{
		{"noreserved.txt", "a\nb\n", "first two words must be <pad> and <unk>"},
		{"blank.txt", "<pad>\n<unk>\na\n\nb\n", "line 4: empty word"},
		{"dup.txt", "<pad>\n<unk>\na\na\n", `line 4: word "a" repeats line 3`},
		{"space.txt", "<pad>\n<unk>\na b\n", `line 3: word "a b" holds whitespace`},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadVocab(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: error %v, want one naming the file and %q", c.name, err, c.want)
		}
	}
	if _, err := LoadVocab(filepath.Join(dir, "missing.txt")); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: %v", err)
	}
}
