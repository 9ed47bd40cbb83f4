package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/deepgo/deepgo/nn"
)

// TestConvFlag checks that the root's --conv flag sets the convolution
// algorithm before a subcommand runs, and refuses unknown names.
func TestConvFlag(t *testing.T) {
	defer nn.SetConvAlgorithm("auto")
	var seen string
	newRoot := func() *cobra.Command {
		root := &cobra.Command{Use: "deepgo", SilenceUsage: true, SilenceErrors: true}
		addConvFlag(root)
		root.AddCommand(&cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error {
			seen = nn.ConvAlgorithm()
			return nil
		}})
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		return root
	}
	for _, algo := range []string{"winograd", "direct", "im2col", "auto"} {
		root := newRoot()
		root.SetArgs([]string{"--conv", algo, "probe"})
		if err := root.Execute(); err != nil {
			t.Fatalf("--conv %s: %v", algo, err)
		}
		if seen != algo {
			t.Errorf("--conv %s: the subcommand saw %q", algo, seen)
		}
	}
	root := newRoot()
	root.SetArgs([]string{"--conv", "fft", "probe"})
	err := root.Execute()
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `"fft"`) {
		t.Errorf("--conv fft: error %v, want a usage error naming it", err)
	}
}
