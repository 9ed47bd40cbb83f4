package text

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The special tokens of a BERT vocabulary, looked up by name when it loads.
const (
	PadToken  = "[PAD]"
	UnkToken  = "[UNK]"
	ClsToken  = "[CLS]"
	SepToken  = "[SEP]"
	MaskToken = "[MASK]"
)

// MaxWordRunes is BERT's max_input_chars_per_word: a basic word longer than
// this many runes becomes [UNK] without being split.
const MaxWordRunes = 100

// WordPiece is BERT's uncased tokenizer: BasicTokenize, then greedy
// longest-match-first splitting of each word into vocabulary pieces, where
// the pieces after the first carry the "##" prefix:
//
//	"unaffable" -> una ##ffa ##ble   (bert-base-uncased)
//
// A word that cannot be split into pieces, or that is longer than
// MaxWordRunes, becomes the single token [UNK]. The text "[CLS]" is not
// recognised as a special token: it tokenizes as [ cl ##s ], like BERT's
// original tokenizer; special tokens enter through EncodeSentence and
// EncodePair.
//
// A WordPiece is immutable once loaded and safe for concurrent use.
type WordPiece struct {
	tokens []string // id -> token
	// first maps word-initial pieces to ids; cont maps continuation pieces,
	// without their "##", to ids. Two maps spare building "##"+piece for
	// every lookup.
	first, cont       map[string]int32
	firstMax, contMax int // longest key of each map, in bytes
	pad, unk, cls     int
	sep, mask         int
	pool              sync.Pool // *splitter
}

// LoadWordPiece reads a BERT vocab.txt: UTF-8, one token per line, the id
// of a token is its 0-based line number. It must hold [PAD], [UNK], [CLS],
// [SEP] and [MASK]. Errors name the file, and the line for empty or
// repeated tokens and invalid UTF-8.
func LoadWordPiece(path string) (*WordPiece, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("text: WordPiece vocabulary: %w", err)
	}
	defer f.Close()
	w, err := readWordPiece(f, path)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// readWordPiece reads a vocabulary from r; name is the file name for errors.
func readWordPiece(r io.Reader, name string) (*WordPiece, error) {
	var tokens []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		line = bytes.TrimSuffix(line, []byte{'\r'})
		tokens = append(tokens, string(line))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("text: %s: line %d: %w", name, len(tokens)+1, err)
	}
	// Blank lines at the very end change no id: forgive them.
	for len(tokens) > 0 && tokens[len(tokens)-1] == "" {
		tokens = tokens[:len(tokens)-1]
	}
	w, err := newWordPiece(tokens)
	if err != nil {
		return nil, fmt.Errorf("text: %s: %w", name, err)
	}
	return w, nil
}

// NewWordPiece makes a tokenizer from a vocabulary given as a list: the id
// of tokens[i] is i. The list must hold the five special tokens, and no
// empty, repeated or invalid UTF-8 token.
func NewWordPiece(tokens []string) (*WordPiece, error) {
	w, err := newWordPiece(slices.Clone(tokens))
	if err != nil {
		return nil, fmt.Errorf("text: NewWordPiece: %w", err)
	}
	return w, nil
}

func newWordPiece(tokens []string) (*WordPiece, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("empty vocabulary")
	}
	if len(tokens) > 1<<31-1 {
		return nil, fmt.Errorf("%d tokens: too many", len(tokens))
	}
	w := &WordPiece{
		tokens: tokens,
		first:  make(map[string]int32, len(tokens)),
		cont:   make(map[string]int32, len(tokens)/4),
	}
	seen := make(map[string]int, len(tokens))
	for i, t := range tokens {
		switch {
		case t == "":
			return nil, fmt.Errorf("line %d: empty token (a vocabulary has one token per line, with no blank lines)", i+1)
		case !utf8.ValidString(t):
			return nil, fmt.Errorf("line %d: token %q is not valid UTF-8", i+1, t)
		}
		if j, ok := seen[t]; ok {
			return nil, fmt.Errorf("line %d: token %q repeats line %d", i+1, t, j+1)
		}
		seen[t] = i
		if piece, ok := strings.CutPrefix(t, "##"); ok && piece != "" {
			w.cont[piece] = int32(i)
			w.contMax = max(w.contMax, len(piece))
		} else {
			w.first[t] = int32(i)
			w.firstMax = max(w.firstMax, len(t))
		}
	}
	var missing []string
	for _, s := range []struct {
		name string
		id   *int
	}{{PadToken, &w.pad}, {UnkToken, &w.unk}, {ClsToken, &w.cls}, {SepToken, &w.sep}, {MaskToken, &w.mask}} {
		id, ok := seen[s.name]
		if !ok {
			missing = append(missing, s.name)
		}
		*s.id = id
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("special tokens %s missing from the vocabulary (%d tokens)", strings.Join(missing, " "), len(tokens))
	}
	w.pool.New = func() any { return new(splitter) }
	return w, nil
}

// Size returns the number of tokens in the vocabulary (30522 for BERT).
func (w *WordPiece) Size() int { return len(w.tokens) }

// PadID returns the id of [PAD] (0 in BERT's vocabulary).
func (w *WordPiece) PadID() int { return w.pad }

// UnkID returns the id of [UNK] (100 in BERT's vocabulary).
func (w *WordPiece) UnkID() int { return w.unk }

// ClsID returns the id of [CLS] (101 in BERT's vocabulary).
func (w *WordPiece) ClsID() int { return w.cls }

// SepID returns the id of [SEP] (102 in BERT's vocabulary).
func (w *WordPiece) SepID() int { return w.sep }

// MaskID returns the id of [MASK] (103 in BERT's vocabulary).
func (w *WordPiece) MaskID() int { return w.mask }

// Token returns the token with the given id. It panics if id is outside
// [0, Size()).
func (w *WordPiece) Token(id int) string {
	w.checkID("Token", id)
	return w.tokens[id]
}

// ID returns the id of a token ("##ing" for a continuation piece), and
// whether the vocabulary has it.
func (w *WordPiece) ID(token string) (int, bool) {
	if piece, ok := strings.CutPrefix(token, "##"); ok && piece != "" {
		id, ok := w.cont[piece]
		return int(id), ok
	}
	id, ok := w.first[token]
	return int(id), ok
}

// IsSpecial reports whether id is one of the five special tokens [PAD],
// [UNK], [CLS], [SEP], [MASK].
func (w *WordPiece) IsSpecial(id int) bool {
	return id == w.pad || id == w.unk || id == w.cls || id == w.sep || id == w.mask
}

func (w *WordPiece) checkID(op string, id int) {
	if id < 0 || id >= len(w.tokens) {
		panic(fmt.Sprintf("deepgo: WordPiece.%s: id %d outside the vocabulary [0, %d)", op, id, len(w.tokens)))
	}
}

// Tokenize splits s into WordPiece tokens, without special tokens:
//
//	Tokenize("Héllo, unaffable world!") // [hello , una ##ffa ##ble world !]
func (w *WordPiece) Tokenize(s string) []string {
	ids := w.Encode(s)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = w.tokens[id]
	}
	return out
}

// Encode returns the ids of s's WordPiece tokens, without special tokens.
func (w *WordPiece) Encode(s string) []int {
	return w.appendIDs(nil, s, -1)
}

// appendIDs appends the ids of s's tokens to ids (nil: a new slice sized
// for s). With limit >= 0 it stops after the word that brings the count of
// tokens appended to limit or more: that word is finished, the words after
// it are not split.
func (w *WordPiece) appendIDs(ids []int, s string, limit int) []int {
	sp := w.pool.Get().(*splitter)
	sp.split(s)
	if ids == nil {
		// Most words are one token; a few split into two or three.
		n := sp.words()
		ids = make([]int, 0, n+n/4+2)
	}
	start := len(ids)
	for i := range sp.words() {
		if limit >= 0 && len(ids)-start >= limit {
			break
		}
		ids = w.appendWord(ids, sp.word(i))
	}
	w.pool.Put(sp)
	return ids
}

// appendWord appends the pieces of one basic word: at each position the
// longest vocabulary piece that starts there, "##" pieces after the first.
// If some position has no piece, the whole word is [UNK].
func (w *WordPiece) appendWord(ids []int, word []byte) []int {
	if len(word) > MaxWordRunes && utf8.RuneCount(word) > MaxWordRunes {
		return append(ids, w.unk)
	}
	mark := len(ids)
	for start := 0; start < len(word); {
		m, longest := w.first, w.firstMax
		if start > 0 {
			m, longest = w.cont, w.contMax
		}
		end := min(len(word), start+longest)
		id := int32(-1)
		for ; end > start; end-- {
			if end < len(word) && !utf8.RuneStart(word[end]) {
				continue // not a rune boundary
			}
			if v, ok := m[string(word[start:end])]; ok {
				id = v
				break
			}
		}
		if id < 0 {
			return append(ids[:mark], w.unk)
		}
		ids = append(ids, int(id))
		start = end
	}
	return ids
}

// Decode turns ids back into text: tokens joined by spaces, each "##"
// piece glued to the token before it, [PAD], [CLS] and [SEP] left out.
// [UNK] and [MASK] stay, as do "##" pieces with nothing before them. For
// text without [UNK], Decode(Encode(s)) is the words of BasicTokenize(s)
// joined by single spaces. It panics on an id outside [0, Size()).
func (w *WordPiece) Decode(ids []int) string {
	var b strings.Builder
	first := true
	for _, id := range ids {
		w.checkID("Decode", id)
		if id == w.pad || id == w.cls || id == w.sep {
			continue
		}
		t := w.tokens[id]
		if piece, ok := strings.CutPrefix(t, "##"); ok && piece != "" && !first {
			b.WriteString(piece)
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		b.WriteString(t)
		first = false
	}
	return b.String()
}
