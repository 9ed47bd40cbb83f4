package text

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// Example is one labelled text of a sentiment dataset.
type Example struct {
	Text  string // the sentence, without surrounding whitespace
	Label int    // 1 positive, 0 negative
}

// Texts returns the texts of examples, in order.
func Texts(examples []Example) []string {
	out := make([]string, len(examples))
	for i, e := range examples {
		out[i] = e.Text
	}
	return out
}

// Labels returns the labels of examples as a float32 tensor of shape [N],
// the target of a binary classifier (nn's BCE-with-logits) or of
// cross-entropy over two classes.
func Labels(examples []Example) *tensor.Tensor {
	out := make([]float32, len(examples))
	for i, e := range examples {
		out[i] = float32(e.Label)
	}
	return tensor.New(out, len(out))
}

// SST2Header is the first line of GLUE's SST-2 train.tsv and dev.tsv.
const SST2Header = "sentence\tlabel"

// LoadSST2 reads GLUE's SST-2 train.tsv or dev.tsv: a header line
// "sentence<TAB>label", then one "sentence<TAB>0|1" row a line, unquoted
// (sentences hold quotes of their own). In the data folder they are
// sst2/train.tsv (67,349 rows) and sst2/dev.tsv (872). GLUE's test.tsv has
// no labels and is refused. Errors name the file and line of a malformed
// row.
func LoadSST2(path string) ([]Example, error) {
	return loadFile(path, readSST2)
}

// LoadSentences reads one file of the UCI Sentiment Labelled Sentences
// (amazon_cells_labelled.txt, imdb_labelled.txt, yelp_labelled.txt): no
// header, one "sentence<TAB>0|1" line per sentence, split at the line's last
// tab, unquoted. Errors name the file and line of a malformed row.
func LoadSentences(path string) ([]Example, error) {
	return loadFile(path, readSentences)
}

// LoadSentencesDir reads every *_labelled.txt file in dir (the UCI
// dataset's folder, sentiment-sentences/ in the data folder) in name order:
// amazon, imdb, yelp, 1000 sentences each.
func LoadSentencesDir(dir string) ([]Example, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_labelled.txt"))
	if err != nil {
		return nil, fmt.Errorf("text: %s: %w", dir, err)
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("text: sentiment sentences: %w", err)
		}
		return nil, fmt.Errorf("text: %s holds no *_labelled.txt file (want amazon_cells_labelled.txt, imdb_labelled.txt, yelp_labelled.txt)", dir)
	}
	slices.Sort(files)
	var all []Example
	for _, f := range files {
		ex, err := LoadSentences(f)
		if err != nil {
			return nil, err
		}
		all = append(all, ex...)
	}
	return all, nil
}

func loadFile(path string, read func(io.Reader, string) ([]Example, error)) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("text: %w", err)
	}
	defer f.Close()
	return read(f, path)
}

// rowError is a malformed line of a dataset file.
func rowError(name string, line int, format string, args ...any) error {
	return fmt.Errorf("text: %s:%d: %s", name, line, fmt.Sprintf(format, args...))
}

// eachLine calls fn with each line of r (without its \n or \r\n) and its
// 1-based number. Blank lines at the end are forgiven; one followed by more
// rows is an error.
func eachLine(r io.Reader, name string, fn func(line string, n int) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n, blank := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			if blank == 0 {
				blank = n
			}
			continue
		}
		if blank != 0 {
			return rowError(name, blank, "empty line")
		}
		if err := fn(line, n); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return rowError(name, n+1, "line longer than 1 MiB")
		}
		return fmt.Errorf("text: %s: %w", name, err)
	}
	return nil
}

// parseRow checks one "sentence<TAB>label" row split at tab.
func parseRow(name string, n int, sentence, label string) (Example, error) {
	var y int
	switch label {
	case "0":
	case "1":
		y = 1
	default:
		return Example{}, rowError(name, n, "label %q is not 0 or 1", label)
	}
	text := strings.TrimSpace(sentence)
	if text == "" {
		return Example{}, rowError(name, n, "empty sentence")
	}
	return Example{Text: text, Label: y}, nil
}

func readSST2(r io.Reader, name string) ([]Example, error) {
	var out []Example
	err := eachLine(r, name, func(line string, n int) error {
		if n == 1 {
			switch {
			case line == SST2Header:
				return nil
			case strings.HasPrefix(line, "index\tsentence"):
				return rowError(name, n, "header %q: this is GLUE's unlabelled test split; use train.tsv or dev.tsv", line)
			}
			return rowError(name, n, "header %q, want %q", line, SST2Header)
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 2 {
			return rowError(name, n, "%d tab-separated fields, want 2 (sentence, label)", len(fields))
		}
		e, err := parseRow(name, n, fields[0], fields[1])
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("text: %s: no examples", name)
	}
	return out, nil
}

func readSentences(r io.Reader, name string) ([]Example, error) {
	var out []Example
	err := eachLine(r, name, func(line string, n int) error {
		tab := strings.LastIndexByte(line, '\t')
		if tab < 0 {
			return rowError(name, n, "no tab between sentence and label")
		}
		e, err := parseRow(name, n, line[:tab], line[tab+1:])
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("text: %s: no examples", name)
	}
	return out, nil
}
