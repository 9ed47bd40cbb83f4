package data

import (
	"strings"
	"testing"
	"time"
)

func TestGenerateDates(t *testing.T) {
	pairs := GenerateDates(2000, 7)
	again := GenerateDates(2000, 7)
	styles := map[string]bool{}
	for i, p := range pairs {
		if p != again[i] {
			t.Fatalf("same seed, different example %d: %v vs %v", i, p, again[i])
		}
		d, err := time.Parse("2006-01-02", p.Tgt)
		if err != nil || d.Before(DateFirst) || d.After(DateLast) {
			t.Fatalf("target %q: not an ISO date in range (%v)", p.Tgt, err)
		}
		// the source names the same day: its year and day of month appear in it
		if !strings.Contains(p.Src, d.Format("06")) || !strings.Contains(p.Src, d.Format("2")) {
			t.Fatalf("source %q does not show the date %s", p.Src, p.Tgt)
		}
		switch {
		case strings.Contains(p.Src, "/"):
			styles["slash"] = true
		case strings.HasPrefix(p.Src, "the "):
			styles["ordinal"] = true
		case strings.Contains(p.Src, ","):
			styles["comma"] = true
		}
	}
	if len(styles) != 3 {
		t.Errorf("styles seen: %v, want slash, ordinal and comma forms", styles)
	}
}

func TestCharVocab(t *testing.T) {
	v := NewCharVocab("abc", "cd-")
	if v.Size() != 3+5 {
		t.Fatalf("size %d, want 8", v.Size())
	}
	ids, err := v.Encode("dab", 7)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{CharBOS, 6, 3, 4, CharEOS, CharPad, CharPad}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("Encode = %v, want %v", ids, want)
		}
	}
	if got := v.Decode(ids); got != "dab" {
		t.Errorf("Decode = %q", got)
	}
	if _, err := v.Encode("abz", 0); err == nil || !strings.Contains(err.Error(), `'z'`) {
		t.Errorf("unknown character: error %v", err)
	}
	if _, err := v.Encode("abcd", 5); err == nil {
		t.Error("too long: no error")
	}
}

func TestCharVocabBatchAndChars(t *testing.T) {
	v := NewCharVocab("abc", "cd-")
	if v.Chars() != "abcd-" || NewCharVocab(v.Chars()).Chars() != v.Chars() {
		t.Fatalf("Chars = %q, or it does not rebuild the vocabulary", v.Chars())
	}
	x, err := v.EncodeBatch([]string{"ab", "d-cc"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{CharBOS, 3, 4, CharEOS, CharPad, CharPad, CharBOS, 6, 7, 5, 5, CharEOS}
	if sh := x.Shape(); len(sh) != 2 || sh[0] != 2 || sh[1] != 6 {
		t.Fatalf("shape %v, want [2 6]", sh)
	}
	for i, w := range want {
		if x.Data()[i] != w {
			t.Fatalf("EncodeBatch = %v, want %v", x.Data(), want)
		}
	}
	if _, err := v.EncodeBatch([]string{"ab", "x"}, 0); err == nil || !strings.Contains(err.Error(), `'x'`) {
		t.Errorf("unknown character: error %v", err)
	}
	if _, err := v.EncodeBatch([]string{"abcd"}, 4); err == nil {
		t.Error("too long: no error")
	}
}
