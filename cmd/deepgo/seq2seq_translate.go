package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
	"github.com/spf13/cobra"
)

func translateCommand() *cobra.Command {
	var modelPath string
	var beam int
	cmd := &cobra.Command{
		Use:   `translate --model run/model.safetensors "march 5, 1996" [more dates]`,
		Short: "translate dates to ISO 8601 with a model trained by deepgo seq2seq",
		Long: `translate loads a model written by 'deepgo seq2seq' and prints the ISO date it
decodes for each argument, greedily (or with a beam search of width --beam).
Input is lower-cased; it may use the characters of the training styles
(letters, digits, space, comma, slash and full stop).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if modelPath == "" {
				return usageError{fmt.Errorf("translate: --model is required (the model.safetensors of a seq2seq run folder)")}
			}
			if beam < 1 {
				return usageError{fmt.Errorf("translate: --beam %d: want >= 1", beam)}
			}
			return runTranslate(os.Stdout, modelPath, beam, args)
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model.safetensors written by deepgo seq2seq")
	cmd.Flags().IntVar(&beam, "beam", 1, "beam width (1: greedy decoding)")
	return cmd
}

// dateTranslator is a trained model with its vocabularies and limits.
type dateTranslator struct {
	model      *models.Seq2SeqTransformer
	srcV, tgtV *data.CharVocab
	srcLen     int // positions of the longest training source, BOS and EOS included
	maxOutput  int // characters of the longest output
}

// loadTranslator rebuilds the model saved in path from its metadata.
func loadTranslator(path string) (*dateTranslator, error) {
	weights, meta, err := checkpoint.Load(path)
	if err != nil {
		return nil, err
	}
	if meta["arch"] != seq2seqArch {
		return nil, fmt.Errorf("%s: not a model written by deepgo seq2seq (arch %q)", path, meta["arch"])
	}
	num := map[string]int{}
	for _, k := range []string{"d_model", "heads", "layers", "dim_feedforward", "src_len", "max_output"} {
		n, err := strconv.Atoi(meta[k])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: bad %s %q in the metadata", path, k, meta[k])
		}
		num[k] = n
	}
	if num["d_model"]%num["heads"] != 0 {
		return nil, fmt.Errorf("%s: d_model %d is not a multiple of heads %d in the metadata", path, num["d_model"], num["heads"])
	}
	tr := &dateTranslator{srcV: data.NewCharVocab(meta["src_chars"]), tgtV: data.NewCharVocab(meta["tgt_chars"]),
		srcLen: num["src_len"], maxOutput: num["max_output"]}
	o := seq2seqOptions{DModel: num["d_model"], Heads: num["heads"], Layers: num["layers"], FF: num["dim_feedforward"]}
	tr.model = models.NewSeq2SeqTransformer(o.modelOptions(tr.srcV.Size(), tr.tgtV.Size()), tensor.NewRNG(0))
	if err := nn.LoadStateDict(tr.model, weights, true); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	nn.Eval(tr.model)
	return tr, nil
}

// translate decodes each text, lower-cased and trimmed, greedily in one
// batch (beam 1) or one at a time with a beam search.
func (tr *dateTranslator) translate(texts []string, beam int) ([]string, error) {
	clean := make([]string, len(texts))
	for i, s := range texts {
		clean[i] = strings.ToLower(strings.TrimSpace(s))
		if n := len([]rune(clean[i])) + 2; n > tr.srcLen {
			return nil, fmt.Errorf("%q is too long: the model was trained on dates of at most %d characters", s, tr.srcLen-2)
		}
		if clean[i] == "" {
			return nil, fmt.Errorf("an empty date: nothing to translate")
		}
	}
	x, err := tr.srcV.EncodeBatch(clean, 0)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(texts))
	if beam == 1 {
		for i, ids := range tr.model.Greedy(x, tr.maxOutput+1) {
			out[i] = tr.tgtV.Decode(ids)
		}
		return out, nil
	}
	for i := range clean {
		ids, _ := tr.model.Beam(x.Narrow(0, i, 1), beam, tr.maxOutput+1)
		out[i] = tr.tgtV.Decode(ids)
	}
	return out, nil
}

func runTranslate(w io.Writer, modelPath string, beam int, texts []string) error {
	tr, err := loadTranslator(modelPath)
	if err != nil {
		return err
	}
	out, err := tr.translate(texts, beam)
	if err != nil {
		return err
	}
	for i, s := range texts {
		fmt.Fprintf(w, "%s → %s\n", s, out[i])
	}
	return nil
}
