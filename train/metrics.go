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
