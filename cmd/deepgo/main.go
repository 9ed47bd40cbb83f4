// Command deepgo runs the experiments of the course "Deep Learning 2: From
// Theory to Practice" on deepgo, one subcommand per experiment.
//
//	go run ./cmd/deepgo mnist     # the lecture's MNIST MLP, from A to Z
//	go run ./cmd/deepgo predict --model runs/<run>/model.safetensors digit.png
//	go run ./cmd/deepgo demo      # a small MLP learns a 2-D two-class problem
//
// Errors print one line and exit with status 1; bad usage exits with 2.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/train"
)

// addConvFlag gives root the persistent --conv flag, which chooses the
// convolution algorithm (nn.SetConvAlgorithm) for every subcommand.
func addConvFlag(root *cobra.Command) {
	conv := root.PersistentFlags().String("conv", "auto",
		"convolution algorithm: auto, im2col, winograd or direct (auto picks the measured fastest per layer)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if err := nn.SetConvAlgorithm(*conv); err != nil {
			return usageError{fmt.Errorf("--conv: unknown algorithm %q (want auto, im2col, winograd or direct)", *conv)}
		}
		return nil
	}
}

// usageError marks errors caused by the command line itself.
type usageError struct{ error }

func main() {
	train.TuneGC()
	root := &cobra.Command{
		Use:           "deepgo",
		Short:         "deepgo runs the course's deep-learning experiments in pure Go",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	addConvFlag(root)
	root.AddCommand(demoCommand(), mnistCommand(), predictCommand(), cifarCommand(), sentimentCommand(), seq2seqCommand())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "deepgo:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
