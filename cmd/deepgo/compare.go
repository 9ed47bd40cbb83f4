package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/train"
	"github.com/deepgo/deepgo/viz"
)

// compareCIFAR is deepgo cifar --compare: the lecture's three models trained
// with the same flags, each in root/model<N>, and one plot of their test
// accuracy per epoch (compare.png) with a summary table (compare.md).
func compareCIFAR(o cifarOptions) error {
	root := o.out
	if root == "" {
		root = filepath.Join("runs", "cifar-compare-"+time.Now().Format("20060102-150405"))
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("cannot create the run folder: %w", err)
	}
	var series []viz.Series
	var b strings.Builder
	fmt.Fprintf(&b, "# CIFAR-10: the lecture's three models\n\n%s lr=%g, batch %d, %d epochs, augment=%v, schedule %s, init %s, seed %d\n\n",
		o.optimizer, o.lr, o.batch, o.epochs, o.augment, o.schedule, o.init, o.seed)
	b.WriteString("| model | parameters | final test acc | best test acc | epochs | training time |\n|---|---:|---:|---:|---:|---:|\n")
	for m := 1; m <= 3; m++ {
		mo := o
		mo.model, mo.out = m, filepath.Join(root, fmt.Sprintf("model%d", m))
		hist, err := finishedCIFARRun(mo)
		if err != nil {
			return err
		}
		if hist != nil {
			fmt.Printf("model %d: reusing the finished run in %s (same options)\n", m, mo.out)
		} else if hist, err = runCIFAR(mo); err != nil {
			return fmt.Errorf("model %d: %w", m, err)
		}
		s := viz.Series{Name: fmt.Sprintf("model %d", m)}
		var best, sec float64
		for _, r := range hist {
			s.X, s.Y = append(s.X, float64(r.Epoch)), append(s.Y, 100*r.TestAcc)
			best, sec = max(best, 100*r.TestAcc), sec+r.Seconds
		}
		series = append(series, s)
		model, _ := cifarModel(m, o.seed)
		fmt.Fprintf(&b, "| %d | %d | %.2f%% | %.2f%% | %d | %.0f s |\n", m, nn.NumParameters(model), s.Y[len(s.Y)-1], best, len(hist), sec)
	}
	if err := viz.LinePlot(filepath.Join(root, "compare.png"), "CIFAR-10: the lecture's three models", "epoch", "test accuracy (%)", series...); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "compare.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(b.String())
	fmt.Printf("compare: %s\n", filepath.Join(root, "compare.png"))
	return nil
}

// finishedCIFARRun returns the history of the run in o.out when it finished
// (its report.md exists) with the same options, so that an interrupted
// --compare goes on with the models it has not trained yet; nil otherwise.
func finishedCIFARRun(o cifarOptions) (train.History, error) {
	saved, err := os.ReadFile(filepath.Join(o.out, runOptionsFile))
	if err != nil {
		return nil, nil
	}
	if _, err := os.Stat(filepath.Join(o.out, "report.md")); err != nil {
		return nil, nil
	}
	want, _ := json.Marshal(o.runKey())
	var got map[string]any
	if json.Unmarshal(saved, &got) != nil {
		return nil, nil
	}
	if again, _ := json.Marshal(got); !bytes.Equal(again, want) {
		return nil, nil
	}
	return train.ReadMetrics(o.out)
}
