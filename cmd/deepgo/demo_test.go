package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// The demo must actually learn the moons: a short run separates them.
func TestDemoLearnsMoons(t *testing.T) {
	dir := t.TempDir()
	o := demoOptions{samples: 400, noise: 0.1, hidden: 16, epochs: 60, batch: 32, lr: 0.1, seed: 3, out: dir}
	acc, err := runDemo(o)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.97 {
		t.Fatalf("test accuracy %.3f after 60 epochs, want >= 0.97", acc)
	}
	f, err := os.Open(filepath.Join(dir, "decision.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 400 {
		t.Fatalf("decision.png: %v %v", err, img)
	}

}
