package train

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// writeMetricsCSV rewrites RunDir/metrics.csv from the whole history, so
// that a resumed run's file holds exactly its finished epochs.
func writeMetricsCSV(dir string, h History) error {
	var b bytes.Buffer
	b.WriteString("epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds\n")
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 8, 64)
	}
	for _, r := range h {
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%s\n", r.Epoch, f(r.TrainLoss), f(r.TrainAcc), f(r.TestLoss), f(r.TestAcc), f(r.LR), f(r.Seconds))
	}
	return writeFileAtomic(filepath.Join(dir, "metrics.csv"), b.Bytes())
}

// writeFileAtomic writes through a temporary file and a rename, so that a
// crash leaves either the old file or the new one.
func writeFileAtomic(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("train: cannot write %s: %w", path, err)
	}
	_, werr := tmp.Write(content)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if werr != nil || serr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("train: cannot write %s: %v", path, firstErr(werr, serr, cerr))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("train: cannot write %s: %w", path, err)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ReadMetrics reads the metrics.csv that Fit writes in dir back into a
// History (empty cells become NaN), for plotting or comparing finished runs.
func ReadMetrics(dir string) (History, error) {
	path := filepath.Join(dir, "metrics.csv")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: cannot read the run's metrics: %w", err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) == 0 || string(lines[0]) != "epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds" {
		return nil, fmt.Errorf("train: %s: not a metrics file written by train.Fit (header %q)", path, lines[0])
	}
	var h History
	for i, line := range lines[1:] {
		cells := bytes.Split(line, []byte(","))
		if len(cells) != 7 {
			return nil, fmt.Errorf("train: %s line %d: %d cells, want 7", path, i+2, len(cells))
		}
		v := make([]float64, 7)
		for j, c := range cells {
			if len(c) == 0 {
				v[j] = math.NaN()
				continue
			}
			if v[j], err = strconv.ParseFloat(string(c), 64); err != nil {
				return nil, fmt.Errorf("train: %s line %d: %q is not a number", path, i+2, c)
			}
		}
		h = append(h, EpochResult{Epoch: int(v[0]), TrainLoss: v[1], TrainAcc: v[2], TestLoss: v[3], TestAcc: v[4], LR: v[5], Seconds: v[6]})
	}
	return h, nil
}
