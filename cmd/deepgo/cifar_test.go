package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deepgo/deepgo/internal/datatest"
)

// A short run of each kind writes the whole run folder.
func TestCIFARRunFolder(t *testing.T) {
	datatest.Dataset(t, "cifar10-jpeg")
	for _, model := range []int{1, 2} {
		dir := t.TempDir()
		o := cifarOptions{model: model, optimizer: "adam", lr: 1e-3, schedule: "cosine", augment: true, clip: 5, l2: 1e-5,
			epochs: 1, batch: 32, limit: 320, seed: 1, dataDir: datatest.Dir(t), out: dir, noProgress: true, patience: 2}
		if _, err := runCIFAR(o); err != nil {
			t.Fatalf("model %d: %v", model, err)
		}
		want := []string{"metrics.csv", "loss.png", "accuracy.png", "confusion.png", "filters.png", "model.safetensors", "report.md"}
		if model != 1 {
			want = append(want, "feature-maps.png", "channels.png")
		}
		for _, f := range want {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("model %d: run folder lacks %s", model, f)
			}
		}
	}
}
