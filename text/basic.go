package text

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// BERT's BasicTokenizer (uncased), the step before WordPiece:
//
//  1. clean: drop NUL, U+FFFD and the control, format and private-use
//     characters (Unicode categories Cc, Cf, Co; not \t \n \r); every
//     whitespace character becomes a space;
//  2. put spaces around CJK ideographs, so that each is a word;
//  3. lower-case, decompose (NFD) and drop the non-spacing marks (Mn), which
//     strips accents: "Café" -> "cafe";
//  4. split on whitespace, and around every punctuation character: ASCII
//     33-47, 58-64, 91-96, 123-126 (so $ + < = > ^ ` | ~ count) and the
//     Unicode P* categories.
//
// This follows HuggingFace's tokenizers (BertTokenizerFast), which differs
// from BERT's original Python tokenization.py in two corners: lower-casing
// maps each rune on its own, so a final capital sigma becomes σ where
// Python's str.lower writes ς; and unassigned code points (category Cn)
// are kept, making their word [UNK], where Python drops them.

// Classes of ASCII bytes for the fast path.
const (
	asciiWord  = iota // letter, digit: part of a word
	asciiDrop         // control character other than \t \n \r
	asciiSpace        // space, \t, \n, \r
	asciiPunct        // BERT's ASCII punctuation
)

var asciiClass = func() (c [utf8.RuneSelf]uint8) {
	for b := range utf8.RuneSelf {
		switch {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r':
			c[b] = asciiSpace
		case b < 0x20 || b == 0x7f:
			c[b] = asciiDrop
		case b >= 33 && b <= 47, b >= 58 && b <= 64, b >= 91 && b <= 96, b >= 123 && b <= 126:
			c[b] = asciiPunct
		}
	}
	return c
}()

// splitter turns text into BERT's basic words, written back to back into
// buf; word i is buf[ends[i-1]:ends[i]]. Its buffers are reused from call
// to call, so a splitter serves one goroutine at a time.
type splitter struct {
	buf   []byte
	ends  []int
	clean []byte // the unicode path's cleaned, lower-cased text
	nfd   []byte // and its decomposition
}

// split replaces the splitter's words with those of s.
func (sp *splitter) split(s string) {
	sp.buf, sp.ends = sp.buf[:0], sp.ends[:0]
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			sp.splitUnicode(s)
			return
		}
	}
	sp.splitASCII(s)
}

// words returns the number of words.
func (sp *splitter) words() int { return len(sp.ends) }

// word returns word i; it aliases the splitter's buffer.
func (sp *splitter) word(i int) []byte {
	start := 0
	if i > 0 {
		start = sp.ends[i-1]
	}
	return sp.buf[start:sp.ends[i]]
}

// endWord closes the word being written, if it has any bytes.
func (sp *splitter) endWord() {
	last := 0
	if n := len(sp.ends); n > 0 {
		last = sp.ends[n-1]
	}
	if len(sp.buf) > last {
		sp.ends = append(sp.ends, len(sp.buf))
	}
}

// addASCII adds the byte c (< 0x80) to the words.
func (sp *splitter) addASCII(c byte) {
	switch asciiClass[c] {
	case asciiWord:
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		sp.buf = append(sp.buf, c)
	case asciiSpace:
		sp.endWord()
	case asciiPunct:
		sp.endWord()
		sp.buf = append(sp.buf, c)
		sp.endWord()
	}
}

// splitASCII is the whole of steps 1-4 in one pass for ASCII text: no CJK,
// nothing to decompose.
func (sp *splitter) splitASCII(s string) {
	for i := 0; i < len(s); {
		// Copy a run of word bytes at once, lower-casing on the way.
		j := i
		for j < len(s) && asciiClass[s[j]] == asciiWord {
			j++
		}
		if j > i {
			k := len(sp.buf)
			sp.buf = append(sp.buf, s[i:j]...)
			for m, c := range sp.buf[k:] {
				if 'A' <= c && c <= 'Z' {
					sp.buf[k+m] = c + 'a' - 'A'
				}
			}
			if j == len(s) {
				break
			}
		}
		sp.addASCII(s[j])
		i = j + 1
	}
	sp.endWord()
}

// splitUnicode runs steps 1-3 into sp.clean, decomposes it, and splits the
// result (step 4). Decomposing the whole text, not rune by rune, keeps the
// canonical order of combining marks that NFD defines.
func (sp *splitter) splitUnicode(s string) {
	c := sp.clean[:0]
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			switch asciiClass[r] {
			case asciiDrop:
			case asciiSpace:
				c = append(c, ' ')
			default:
				c = append(c, byte(unicode.ToLower(r)))
			}
		case r == utf8.RuneError || isControl(r):
			// U+FFFD is also what invalid UTF-8 decodes to: dropped either way.
		case isSpace(r):
			c = append(c, ' ')
		case isCJK(r):
			c = append(c, ' ')
			c = utf8.AppendRune(c, r)
			c = append(c, ' ')
		default:
			c = utf8.AppendRune(c, unicode.ToLower(r))
		}
	}
	sp.clean = c
	sp.nfd = norm.NFD.Append(sp.nfd[:0], c...)
	d := sp.nfd
	for i := 0; i < len(d); {
		if d[i] < utf8.RuneSelf {
			sp.addASCII(d[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(d[i:])
		switch {
		case unicode.Is(unicode.Mn, r):
		case isSpace(r):
			sp.endWord()
		case unicode.IsPunct(r):
			sp.endWord()
			sp.buf = append(sp.buf, d[i:i+n]...)
			sp.endWord()
		default:
			sp.buf = append(sp.buf, d[i:i+n]...)
		}
		i += n
	}
	sp.endWord()
}

// isControl reports whether a non-ASCII rune is a control, format or
// private-use character (Cc, Cf, Co; surrogates cannot occur in Go text).
func isControl(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
}

// isSpace reports whether a non-ASCII rune separates words: the space
// separators (Zs) and the line and paragraph separators U+2028, U+2029.
func isSpace(r rune) bool {
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// isCJK reports whether r is in one of the CJK ideograph blocks that BERT
// treats as one word per character. Hangul, hiragana and katakana are not
// among them: they are written with spaces.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}

// BasicTokenize splits s into the words that BERT's uncased BasicTokenizer
// gives: cleaned, lower-cased, accents stripped, split on whitespace and
// punctuation, CJK ideographs one per word. WordPiece.Tokenize splits these
// words further into vocabulary pieces.
//
//	BasicTokenize("Héllo, World!") // ["hello" "," "world" "!"]
func BasicTokenize(s string) []string {
	var sp splitter
	sp.split(s)
	out := make([]string, sp.words())
	for i := range out {
		out[i] = string(sp.word(i))
	}
	return out
}
