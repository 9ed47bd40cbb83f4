package text

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/internal/datatest"
)

// The counts are those of the datasets' PROVENANCE.md.
func TestLoadSST2Real(t *testing.T) {
	for _, c := range []struct {
		split       string
		n, neg, pos int
		first       string
		firstLabel  int
	}{
		{"train", 67349, 29780, 37569, "hide new secretions from the parental units", 0},
		{"dev", 872, 428, 444, "it 's a charming and often affecting journey .", 1},
	} {
		ex := sst2(t, c.split)
		neg, pos := countLabels(ex)
		if len(ex) != c.n || neg != c.neg || pos != c.pos {
			t.Errorf("%s: %d examples (%d negative, %d positive), want %d (%d, %d)", c.split, len(ex), neg, pos, c.n, c.neg, c.pos)
		}
		if ex[0].Text != c.first || ex[0].Label != c.firstLabel {
			t.Errorf("%s: first example %+v, want %q label %d", c.split, ex[0], c.first, c.firstLabel)
		}
		for i, e := range ex {
			if e.Text != strings.TrimSpace(e.Text) || e.Text == "" {
				t.Fatalf("%s row %d: text %q is not trimmed", c.split, i+2, e.Text)
			}
		}
	}
	dev := sst2(t, "dev")
	if got := Texts(dev[:2]); len(got) != 2 || got[1] != dev[1].Text {
		t.Errorf("Texts = %q", got)
	}
	if y := Labels(dev); !slices.Equal(y.Shape(), []int{872}) || y.Data()[0] != 1 {
		t.Errorf("Labels: shape %v, first %v", y.Shape(), y.Data()[0])
	}
}

func TestLoadSentencesReal(t *testing.T) {
	dir := datatest.Dataset(t, "sentiment-sentences")
	all, err := LoadSentencesDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	neg, pos := countLabels(all)
	if len(all) != 3000 || neg != 1500 || pos != 1500 {
		t.Errorf("%d sentences (%d negative, %d positive), want 3000 (1500, 1500)", len(all), neg, pos)
	}
	imdb, err := LoadSentences(filepath.Join(dir, "imdb_labelled.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(imdb) != 1000 || !slices.Equal(imdb, all[1000:2000]) {
		t.Errorf("imdb: %d sentences, or not the second file of the folder", len(imdb))
	}
	// The file keeps its quirks: a stray quote at the start of line 197 and
	// cp1252 leftovers such as U+0085 inside sentences; neither ends a row.
	if !strings.HasPrefix(imdb[196].Text, `"`) {
		t.Errorf("imdb line 197 = %q, want the stray quote kept", imdb[196].Text)
	}
	nel := 0
	for _, e := range imdb {
		nel += strings.Count(e.Text, "\u0085")
	}
	if nel == 0 {
		t.Error("no U+0085 left in the imdb sentences")
	}
	if all[0].Text != "So there is no way for me to plug it in here in the US unless I go by a converter." || all[0].Label != 0 {
		t.Errorf("first amazon sentence %+v", all[0])
	}
}

func countLabels(ex []Example) (neg, pos int) {
	for _, e := range ex {
		if e.Label == 1 {
			pos++
		} else {
			neg++
		}
	}
	return neg, pos
}

func TestDatasetErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		load          func(string) ([]Example, error)
		want          string
	}{
		{"header.tsv", "text\tlabel\na\t1\n", LoadSST2, `header.tsv:1: header "text\tlabel", want "sentence\tlabel"`},
		{"test.tsv", "index\tsentence\n0\ta\n", LoadSST2, "test.tsv:1: header \"index\\tsentence\": this is GLUE's unlabelled test split"},
		{"fields.tsv", "sentence\tlabel\na\t1\nb\tc\t0\n", LoadSST2, "fields.tsv:3: 3 tab-separated fields, want 2"},
		{"label.tsv", "sentence\tlabel\na \t1\nb \t2\n", LoadSST2, `label.tsv:3: label "2" is not 0 or 1`},
		{"empty.tsv", "sentence\tlabel\n \t1\n", LoadSST2, "empty.tsv:2: empty sentence"},
		{"blank.tsv", "sentence\tlabel\na\t1\n\nb\t0\n", LoadSST2, "blank.tsv:3: empty line"},
		{"norows.tsv", "sentence\tlabel\n", LoadSST2, "norows.tsv: no examples"},
		{"notab.txt", "good\t1\nbad 0\n", LoadSentences, "notab.txt:2: no tab between sentence and label"},
		{"label.txt", "good\t1\nbad\t-1\n", LoadSentences, `label.txt:2: label "-1" is not 0 or 1`},
		{"nothing.txt", "", LoadSentences, "nothing.txt: no examples"},
		{"long.txt", strings.Repeat("x", 1<<20+10) + "\t1\n", LoadSentences, "long.txt:1: line longer than 1 MiB"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		ex, err := c.load(p)
		if err == nil || ex != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %d examples, error %v; want %q", c.name, len(ex), err, c.want)
		}
	}
	if _, err := LoadSST2(filepath.Join(dir, "missing.tsv")); err == nil || !strings.Contains(err.Error(), "missing.tsv") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadSentencesDir(dir); err == nil || !strings.Contains(err.Error(), "no *_labelled.txt file") {
		t.Errorf("folder without sentence files: %v", err)
	}
	if _, err := LoadSentencesDir(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing folder: %v", err)
	}

	// What the readers accept: CRLF line ends, blank lines at the end, a
	// sentence with tabs in the UCI files (split at the last tab).
	good := filepath.Join(dir, "good.tsv")
	os.WriteFile(good, []byte("sentence\tlabel\r\nfine film \t1\r\nbad one\t0\r\n\n\n"), 0o644)
	ex, err := LoadSST2(good)
	if err != nil || !slices.Equal(ex, []Example{{"fine film", 1}, {"bad one", 0}}) {
		t.Errorf("good.tsv: %+v, %v", ex, err)
	}
	uci := filepath.Join(dir, "x_labelled.txt")
	os.WriteFile(uci, []byte("a\tb  \t1\n"), 0o644)
	ex, err = LoadSentencesDir(dir)
	if err != nil || !slices.Equal(ex, []Example{{"a\tb", 1}}) {
		t.Errorf("x_labelled.txt: %+v, %v", ex, err)
	}
}

func TestFindFiles(t *testing.T) {
	dir := datatest.Dir(t)
	for _, c := range []struct {
		got  func() (string, error)
		want string
	}{
		{func() (string, error) { return SST2File(dir, "train") }, filepath.Join(dir, "sst2", "train.tsv")},
		{func() (string, error) { return SST2File(dir, "dev") }, filepath.Join(dir, "sst2", "dev.tsv")},
		{func() (string, error) { return BERTVocabFile(dir) }, filepath.Join(dir, "bert-vocab", "vocab.txt")},
		{func() (string, error) { return SentencesDir(dir) }, filepath.Join(dir, "sentiment-sentences")},
	} {
		if p, err := c.got(); err != nil || p != c.want {
			t.Errorf("got %q, %v; want %q", p, err, c.want)
		}
	}
	empty := t.TempDir()
	_, err := SST2File(empty, "dev")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(empty, "sst2", "dev.tsv")) || !strings.Contains(err.Error(), "put GLUE's SST-2.zip") {
		t.Errorf("missing SST-2: %v", err)
	}
	if _, err := SST2File(dir, "test"); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("test split: %v", err)
	}
	if _, err := BERTVocabFile(empty); err == nil || !strings.Contains(err.Error(), "bert-vocab") {
		t.Errorf("missing vocab: %v", err)
	}
	if _, err := SentencesDir(empty); err == nil || !strings.Contains(err.Error(), "imdb_labelled.txt") {
		t.Errorf("missing sentences: %v", err)
	}
}
