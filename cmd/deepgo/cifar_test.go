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

// --compare trains the three models into sub-folders, plots them together,
// and a second call with the same options reuses the finished runs.
func TestCIFARCompare(t *testing.T) {
	datatest.Dataset(t, "cifar10-jpeg")
	if testing.Short() {
		t.Skip("trains three models")
	}
	dir := t.TempDir()
	o := cifarOptions{optimizer: "adam", lr: 1e-3, schedule: "none", init: "kaiming", epochs: 1, batch: 32, limit: 128,
		seed: 1, dataDir: datatest.Dir(t), out: dir, noProgress: true}
	if err := compareCIFAR(o); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"compare.png", "compare.md", "model1/report.md", "model2/channels.png", "model3/metrics.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("compare folder lacks %s", f)
		}
	}
	before, _ := os.Stat(filepath.Join(dir, "model3", "model.safetensors"))
	if err := compareCIFAR(o); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(filepath.Join(dir, "model3", "model.safetensors"))
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("the second --compare trained model 3 again instead of reusing its finished run")
	}
}
