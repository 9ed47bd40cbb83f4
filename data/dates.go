package data

import (
	"fmt"
	"strings"
	"time"

	"github.com/deepgo/deepgo/tensor"
)

// DatePair is one example of the date-translation task: Src a date written
// the way people write it ("tuesday, march 5 1996", "5/3/96", "5 mar 1996"),
// Tgt the same date in ISO 8601 ("1996-03-05").
type DatePair struct{ Src, Tgt string }

var (
	monthNames = []string{"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december"}
	dayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
)

// dateFormats render one date in the styles of the task; each draws its
// choices (day name or not, leading zeros) from rng.
var dateFormats = []func(t time.Time, rng *tensor.RNG) string{
	func(t time.Time, _ *tensor.RNG) string { // 5 march 1996
		return fmt.Sprintf("%d %s %d", t.Day(), monthNames[t.Month()-1], t.Year())
	},
	func(t time.Time, _ *tensor.RNG) string { // march 5, 1996
		return fmt.Sprintf("%s %d, %d", monthNames[t.Month()-1], t.Day(), t.Year())
	},
	func(t time.Time, _ *tensor.RNG) string { // 5 mar 1996
		return fmt.Sprintf("%d %s %d", t.Day(), monthNames[t.Month()-1][:3], t.Year())
	},
	func(t time.Time, _ *tensor.RNG) string { // tuesday, march 5 1996
		return fmt.Sprintf("%s, %s %d %d", dayNames[t.Weekday()], monthNames[t.Month()-1], t.Day(), t.Year())
	},
	func(t time.Time, _ *tensor.RNG) string { // tue 05 mar 1996
		return fmt.Sprintf("%s %02d %s %d", dayNames[t.Weekday()][:3], t.Day(), monthNames[t.Month()-1][:3], t.Year())
	},
	func(t time.Time, rng *tensor.RNG) string { // 05/03/1996 or 5/3/96 (day first)
		if rng.IntN(2) == 0 {
			return fmt.Sprintf("%02d/%02d/%d", t.Day(), t.Month(), t.Year())
		}
		return fmt.Sprintf("%d/%d/%02d", t.Day(), t.Month(), t.Year()%100)
	},
	func(t time.Time, _ *tensor.RNG) string { // 5.3.1996
		return fmt.Sprintf("%d.%d.%d", t.Day(), t.Month(), t.Year())
	},
	func(t time.Time, _ *tensor.RNG) string { // the 5th of march 1996
		return fmt.Sprintf("the %d%s of %s %d", t.Day(), ordinal(t.Day()), monthNames[t.Month()-1], t.Year())
	},
}

func ordinal(d int) string {
	switch {
	case d%100 >= 11 && d%100 <= 13:
		return "th"
	case d%10 == 1:
		return "st"
	case d%10 == 2:
		return "nd"
	case d%10 == 3:
		return "rd"
	}
	return "th"
}

// DateFirst and DateLast bound the dates GenerateDates draws: two-digit
// years in "5/3/96" read as 1950–2049.
var (
	DateFirst = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	DateLast  = time.Date(2049, 12, 31, 0, 0, 0, 0, time.UTC)
)

// GenerateDates returns n examples of the date-translation task, drawn
// uniformly between DateFirst and DateLast in a uniformly drawn style; the
// same seed gives the same examples.
func GenerateDates(n int, seed uint64) []DatePair {
	rng := tensor.NewRNG(seed)
	days := int(DateLast.Sub(DateFirst).Hours()/24) + 1
	out := make([]DatePair, n)
	for i := range out {
		t := DateFirst.AddDate(0, 0, rng.IntN(days))
		out[i] = DatePair{Src: dateFormats[rng.IntN(len(dateFormats))](t, rng), Tgt: t.Format("2006-01-02")}
	}
	return out
}

// CharVocab maps characters to ids for character-level sequence models.
// Ids 0, 1 and 2 are the special tokens Pad, BOS (begin) and EOS (end).
type CharVocab struct {
	chars []rune
	ids   map[rune]int
}

// Special token ids of every CharVocab.
const (
	CharPad = 0
	CharBOS = 1
	CharEOS = 2
)

// NewCharVocab builds the vocabulary of the characters in texts, in order
// of first appearance after the three special tokens.
func NewCharVocab(texts ...string) *CharVocab {
	v := &CharVocab{chars: []rune{0, 0, 0}, ids: map[rune]int{}}
	for _, s := range texts {
		for _, r := range s {
			if _, ok := v.ids[r]; !ok {
				v.ids[r] = len(v.chars)
				v.chars = append(v.chars, r)
			}
		}
	}
	return v
}

// Size is the number of ids, specials included.
func (v *CharVocab) Size() int { return len(v.chars) }

// Encode returns BOS, the ids of s's characters and EOS, padded with Pad to
// length (when length > 0). It fails on a character outside the vocabulary
// or a text longer than length − 2.
func (v *CharVocab) Encode(s string, length int) ([]int, error) {
	ids := []int{CharBOS}
	for _, r := range s {
		id, ok := v.ids[r]
		if !ok {
			return nil, fmt.Errorf("character %q of %q is not in the vocabulary", r, s)
		}
		ids = append(ids, id)
	}
	ids = append(ids, CharEOS)
	if length > 0 {
		if len(ids) > length {
			return nil, fmt.Errorf("%q needs %d positions with BOS and EOS, more than the %d allowed", s, len(ids), length)
		}
		for len(ids) < length {
			ids = append(ids, CharPad)
		}
	}
	return ids, nil
}

// EncodeBatch encodes texts as the rows of an [N, L] tensor of ids (as
// float32, the way deepgo stores indices), each BOS, characters, EOS and
// padding. L is length, or when length is 0 the longest text plus two. It
// fails as Encode does.
func (v *CharVocab) EncodeBatch(texts []string, length int) (*tensor.Tensor, error) {
	if len(texts) == 0 {
		return nil, fmt.Errorf("no texts to encode")
	}
	if length <= 0 {
		for _, s := range texts {
			length = max(length, len([]rune(s))+2)
		}
	}
	out := tensor.Zeros(len(texts), length)
	od := out.Data()
	for i, s := range texts {
		ids, err := v.Encode(s, length)
		if err != nil {
			return nil, err
		}
		for j, id := range ids {
			od[i*length+j] = float32(id)
		}
	}
	return out, nil
}

// Chars returns the vocabulary's characters in id order, without the
// special tokens: NewCharVocab(v.Chars()) rebuilds v (to save a vocabulary
// with a model).
func (v *CharVocab) Chars() string { return string(v.chars[3:]) }

// Decode turns ids back into text, skipping BOS and Pad and stopping at
// the first EOS.
func (v *CharVocab) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		switch {
		case id == CharEOS:
			return b.String()
		case id == CharBOS || id == CharPad || id < 0 || id >= len(v.chars):
			continue
		default:
			b.WriteRune(v.chars[id])
		}
	}
	return b.String()
}
