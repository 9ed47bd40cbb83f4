package main

import (
	"path/filepath"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/train"
	"github.com/deepgo/deepgo/viz"
)

// classifierPictures writes the pictures every classification run folder
// has: loss.png and accuracy.png (train vs test per epoch) and
// confusion.png, computed on test with the model in eval mode.
func classifierPictures(dir string, model nn.Module, hist train.History, test *data.Loader, classes []string) error {
	ep := make([]float64, len(hist))
	var trL, teL, trA, teA []float64
	for i, r := range hist {
		ep[i] = float64(r.Epoch)
		trL, teL = append(trL, r.TrainLoss), append(teL, r.TestLoss)
		trA, teA = append(trA, 100*r.TrainAcc), append(teA, 100*r.TestAcc)
	}
	if err := viz.LinePlot(filepath.Join(dir, "loss.png"), "Cross-entropy loss", "epoch", "loss",
		viz.Series{Name: "train", X: ep, Y: trL}, viz.Series{Name: "test", X: ep, Y: teL}); err != nil {
		return err
	}
	if err := viz.LinePlot(filepath.Join(dir, "accuracy.png"), "Accuracy", "epoch", "accuracy (%)",
		viz.Series{Name: "train", X: ep, Y: trA}, viz.Series{Name: "test", X: ep, Y: teA}); err != nil {
		return err
	}
	counts := make([][]int, len(classes))
	for i := range counts {
		counts[i] = make([]int, len(classes))
	}
	nn.Eval(model)
	tensor.NoGrad(func() {
		for x, y := range test.Epoch(0) {
			pred := model.Forward(x).Argmax(1).Data()
			for i, t := range y.Data() {
				counts[int(t)][int(pred[i])]++
			}
		}
	})
	return viz.ConfusionMatrix(filepath.Join(dir, "confusion.png"), counts, classes)
}
