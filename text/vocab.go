package text

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/deepgo/deepgo/tensor"
)

// The two reserved words of a word-level Vocab, ids 0 and 1.
const (
	VocabPad = "<pad>"
	VocabUnk = "<unk>"
)

// Words is the word-level tokenizer of Vocab: it lower-cases s and splits it
// into words, runs of letters, digits and combining marks that may hold an
// apostrophe (' or ’) between two letters ("don't", "n't"), and makes every
// other visible character (punctuation, symbols, emoji) a word of its own.
// Whitespace and control characters separate words.
//
//	Words("This film is TERRIBLE, don't!") // [this film is terrible , don't !]
func Words(s string) []string {
	var out []string
	start := -1 // byte offset of the word being read, or -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, strings.ToLower(s[start:end]))
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		case (r == '\'' || r == '’') && start >= 0 && prevIsLetter(s, i) && nextIsLetter(s, i+utf8.RuneLen(r)):
			// inside a word
		case unicode.IsSpace(r) || !unicode.IsGraphic(r) || r == utf8.RuneError:
			flush(i)
		default:
			flush(i)
			out = append(out, strings.ToLower(string(r)))
		}
	}
	flush(len(s))
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

func prevIsLetter(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

func nextIsLetter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// Vocab is a word-level vocabulary for models that embed whole words, such
// as the course's GRU sentiment classifier: id 0 is VocabPad, id 1 is
// VocabUnk, and the other ids go to words by falling frequency. A Vocab is
// immutable and safe for concurrent use.
type Vocab struct {
	words []string
	index map[string]int
}

// BuildVocab counts the Words of texts and keeps those seen at least minFreq
// times (0 counts as 1), the most frequent first (ties in byte order), up
// to maxSize entries in all, the two reserved words included (0 means no
// limit). It panics if minFreq < 0 or maxSize is negative or 1 (no room for
// the reserved words).
func BuildVocab(texts []string, minFreq, maxSize int) *Vocab {
	if minFreq < 0 || maxSize < 0 || maxSize == 1 {
		panic(fmt.Sprintf("deepgo: BuildVocab: minFreq %d, maxSize %d: want minFreq >= 0 and maxSize 0 (no limit) or >= 2", minFreq, maxSize))
	}
	counts := map[string]int{}
	for _, t := range texts {
		for _, w := range Words(t) {
			counts[w]++
		}
	}
	type wc struct {
		w string
		n int
	}
	var kept []wc
	for w, n := range counts {
		if n >= max(minFreq, 1) {
			kept = append(kept, wc{w, n})
		}
	}
	slices.SortFunc(kept, func(a, b wc) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.w, b.w)
	})
	if maxSize > 0 && len(kept) > maxSize-2 {
		kept = kept[:maxSize-2]
	}
	words := make([]string, 0, len(kept)+2)
	words = append(words, VocabPad, VocabUnk)
	for _, k := range kept {
		words = append(words, k.w)
	}
	v, err := newVocab(words)
	if err != nil {
		panic("deepgo: BuildVocab: " + err.Error()) // Words never yields a word newVocab rejects
	}
	return v
}

func newVocab(words []string) (*Vocab, error) {
	if len(words) < 2 || words[0] != VocabPad || words[1] != VocabUnk {
		return nil, fmt.Errorf("the first two words must be %s and %s", VocabPad, VocabUnk)
	}
	v := &Vocab{words: words, index: make(map[string]int, len(words))}
	for i, w := range words {
		switch {
		case w == "":
			return nil, fmt.Errorf("line %d: empty word", i+1)
		case !utf8.ValidString(w):
			return nil, fmt.Errorf("line %d: word %q is not valid UTF-8", i+1, w)
		case strings.IndexFunc(w, unicode.IsSpace) >= 0:
			return nil, fmt.Errorf("line %d: word %q holds whitespace", i+1, w)
		}
		if j, ok := v.index[w]; ok {
			return nil, fmt.Errorf("line %d: word %q repeats line %d", i+1, w, j+1)
		}
		v.index[w] = i
	}
	return v, nil
}

// Size returns the number of words, the reserved ones included.
func (v *Vocab) Size() int { return len(v.words) }

// PadID returns the id of VocabPad, 0.
func (v *Vocab) PadID() int { return 0 }

// UnkID returns the id of VocabUnk, 1.
func (v *Vocab) UnkID() int { return 1 }

// ID returns the id of word and whether the vocabulary has it.
func (v *Vocab) ID(word string) (int, bool) {
	id, ok := v.index[word]
	return id, ok
}

// Word returns the word with the given id. It panics if id is outside
// [0, Size()).
func (v *Vocab) Word(id int) string {
	v.checkID("Word", id)
	return v.words[id]
}

func (v *Vocab) checkID(op string, id int) {
	if id < 0 || id >= len(v.words) {
		panic(fmt.Sprintf("deepgo: Vocab.%s: id %d outside the vocabulary [0, %d)", op, id, len(v.words)))
	}
}

// Encode returns the ids of the Words of s, VocabUnk's for unknown words.
func (v *Vocab) Encode(s string) []int {
	words := Words(s)
	ids := make([]int, len(words))
	for i, w := range words {
		id, ok := v.index[w]
		if !ok {
			id = 1
		}
		ids[i] = id
	}
	return ids
}

// Decode joins the words of ids with spaces, leaving VocabPad out. It
// panics on an id outside [0, Size()).
func (v *Vocab) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		v.checkID("Decode", id)
		if id == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.words[id])
	}
	return b.String()
}

// EncodeBatch encodes texts into a [B, L] tensor of float32-coded ids,
// each row cut to L or padded after its end with VocabPad (id 0). L is
// length, or the longest text when length is 0. It also returns each row's
// length before padding (at least 1, so that a model can read the state at
// position length−1 even of an empty text). It panics if length < 0.
func (v *Vocab) EncodeBatch(texts []string, length int) (ids *tensor.Tensor, lengths []int) {
	if length < 0 {
		panic(fmt.Sprintf("deepgo: Vocab.EncodeBatch: length %d", length))
	}
	rows := make([][]int, len(texts))
	l := length
	for i, t := range texts {
		rows[i] = v.Encode(t)
		if length == 0 {
			l = max(l, len(rows[i]))
		}
	}
	l = max(l, 1)
	data := make([]float32, len(rows)*l)
	lengths = make([]int, len(rows))
	for i, r := range rows {
		n := min(len(r), l)
		for j, id := range r[:n] {
			data[i*l+j] = float32(id)
		}
		lengths[i] = max(n, 1)
	}
	return tensor.New(data, len(rows), l), lengths
}

// WriteTo writes the vocabulary in the format LoadVocab reads: one word a
// line, the id of a word its 0-based line number.
func (v *Vocab) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	for _, word := range v.words {
		k, _ := bw.WriteString(word)
		bw.WriteByte('\n')
		n += int64(k) + 1
	}
	return n, bw.Flush()
}

// Save writes the vocabulary to path atomically (a temporary file in the
// same folder, then a rename), so that an interrupted save leaves the old
// file whole.
func (v *Vocab) Save(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("text: save vocabulary: %w", err)
	}
	tmp := f.Name()
	_, err = v.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("text: save vocabulary %s: %w", path, err)
	}
	return nil
}

// LoadVocab reads a vocabulary written by Save. Errors name the file, and
// the line of an empty, repeated or malformed word.
func LoadVocab(path string) (*Vocab, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("text: vocabulary: %w", err)
	}
	defer f.Close()
	return readVocab(f, path)
}

func readVocab(r io.Reader, name string) (*Vocab, error) {
	var words []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		words = append(words, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("text: %s: line %d: %w", name, len(words)+1, err)
	}
	for len(words) > 0 && words[len(words)-1] == "" {
		words = words[:len(words)-1]
	}
	v, err := newVocab(words)
	if err != nil {
		return nil, fmt.Errorf("text: %s: %w", name, err)
	}
	return v, nil
}
