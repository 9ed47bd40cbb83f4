package viz_test

import (
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/viz"
)

func ExampleLinePlot() {
	dir, err := os.MkdirTemp("", "viz-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "loss.png")

	epochs := []float64{1, 2, 3, 4}
	err = viz.LinePlot(path, "Cross-entropy loss", "epoch", "loss",
		viz.Series{Name: "train", X: epochs, Y: []float64{0.80, 0.41, 0.33, 0.29}},
		viz.Series{Name: "test", X: epochs, Y: []float64{0.45, 0.36, 0.31, 0.30}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pngSize(path))
	// Output: 720 480
}

func ExampleImageGrid() {
	dir, err := os.MkdirTemp("", "viz-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "samples.png")

	// Sixteen 28×28 grey images in four columns, each pixel drawn 2×2,
	// captioned with their labels.
	images := tensor.Rand(tensor.NewRNG(1), 16, 1, 28, 28)
	labels := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "1", "2", "3", "4", "5"}
	if err := viz.ImageGrid(path, images, 4, 2, labels); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pngSize(path)) // 2 + 4×(56+2) wide, 2 + 4×(56+15+2) high
	// Output: 234 294
}

func pngSize(path string) (int, int) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	return cfg.Width, cfg.Height
}
