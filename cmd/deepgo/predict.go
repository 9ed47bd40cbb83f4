package main

import (
	"fmt"
	"image"
	_ "image/jpeg" // decode JPEG digits too
	_ "image/png"
	"os"
	"sort"
	"strings"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
	"github.com/spf13/cobra"
	"golang.org/x/image/draw"
)

func predictCommand() *cobra.Command {
	var modelPath string
	cmd := &cobra.Command{
		Use:   "predict --model run/model.safetensors image.png [more images]",
		Short: "classify images with a model trained by deepgo mnist",
		Long: `predict loads a model written by 'deepgo mnist' and prints, for each image,
the predicted class and the probability of every class. Images of any size
are converted to gray and scaled to 28x28; a light background is inverted,
since MNIST digits are white on black.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if modelPath == "" {
				return usageError{fmt.Errorf("predict: --model is required (the model.safetensors of a run folder)")}
			}
			return runPredict(modelPath, args)
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model.safetensors written by deepgo mnist")
	return cmd
}

func runPredict(modelPath string, images []string) error {
	weights, meta, err := checkpoint.Load(modelPath)
	if err != nil {
		return err
	}
	var model *nn.Sequential
	switch meta["arch"] {
	case "mlp":
		hidden, err := parseSizes(meta["hidden"])
		if err != nil {
			return fmt.Errorf("%s: bad hidden sizes %q in the metadata", modelPath, meta["hidden"])
		}
		model = models.MNISTMLP(tensor.NewRNG(0), hidden)
	case "lenet":
		model = models.LeNet(tensor.NewRNG(0))
	default:
		return fmt.Errorf("%s: not a model written by deepgo mnist (arch %q; want mlp or lenet)", modelPath, meta["arch"])
	}
	classes := strings.Split(meta["classes"], ",")
	if err := nn.LoadStateDict(model, weights, true); err != nil {
		return fmt.Errorf("%s: %w", modelPath, err)
	}
	nn.Eval(model)
	for _, path := range images {
		x, err := readDigit(path)
		if err != nil {
			return err
		}
		var probs []float32
		tensor.NoGrad(func() { probs = model.Forward(x).Softmax(1).Data() })
		order := make([]int, len(probs))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
		fmt.Printf("%s: %s (%.1f%%)\n", path, classes[order[0]], 100*probs[order[0]])
		for _, c := range order {
			fmt.Printf("  %-12s %6.2f%%\n", classes[c], 100*probs[c])
		}
	}
	return nil
}

// readDigit decodes an image into a [1, 1, 28, 28] tensor in [0, 1], white
// digit on black like MNIST.
func readDigit(path string) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the image: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %v", path, err)
	}
	gray := image.NewGray(image.Rect(0, 0, 28, 28))
	draw.CatmullRom.Scale(gray, gray.Bounds(), img, img.Bounds(), draw.Src, nil)
	x := make([]float32, 28*28)
	var mean float32
	for i, p := range gray.Pix {
		x[i] = float32(p) / 255
		mean += x[i]
	}
	if mean/float32(len(x)) > 0.5 { // dark digit on a light background
		for i := range x {
			x[i] = 1 - x[i]
		}
	}
	return tensor.New(x, 1, 1, 28, 28), nil
}
