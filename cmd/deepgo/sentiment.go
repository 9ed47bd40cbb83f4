package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/text"
	"github.com/spf13/cobra"
)

func sentimentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sentiment",
		Short: "sentiment analysis on SST-2: a GRU and a mini-BERT with MLM pre-training",
		Long: `sentiment runs the lecture's "Sentiment Analysis with Transformers and GRU":

  deepgo sentiment pretrain                    # masked-language-model pre-training of a mini-BERT
  deepgo sentiment train --model gru           # a bidirectional GRU classifier on SST-2
  deepgo sentiment train --model bert --pretrained runs/<pretrain>/encoder.safetensors
  deepgo sentiment predict --model runs/<run>/model.safetensors "This film is terrible"
  deepgo sentiment attention --model runs/<run>/model.safetensors "This film is great"

The data (SST-2's train.tsv and dev.tsv, the UCI labelled sentences and
bert-base-uncased's vocab.txt) comes from --data-dir or $DEEPGO_DATA.`,
	}
	cmd.AddCommand(pretrainCommand(), sentimentTrainCommand(), sentimentPredictCommand(), sentimentAttentionCommand())
	return cmd
}

// The metadata keys and values of a sentiment model file.
const (
	metaArch      = "arch"
	metaConfig    = "config"  // the model's config as JSON
	metaVocab     = "vocab"   // the tokenizer's vocabulary, one token a line
	metaMaxLen    = "max_len" // tokens per sentence
	archGRU       = "sentiment-gru"
	archBERT      = "sentiment-bert"
	archMLM       = "bert-mlm" // a pre-trained encoder (deepgo sentiment pretrain)
	encoderFile   = "encoder.safetensors"
	modelFileName = "model.safetensors"
)

// sentimentModel is a trained classifier with the tokenizer it reads.
type sentimentModel struct {
	kind   string // "gru" or "bert"
	net    nn.Module
	bert   *models.MiniBERT // nil for the GRU
	tok    tokenizer
	config any // models.GRUClassifierConfig or models.BERTConfig
}

// save writes the weights and everything predict needs to rebuild the
// model: its architecture, config, vocabulary and sentence length.
func (m *sentimentModel) save(path, arch string, maxLen int, extra map[string]string) error {
	cfg, _ := json.Marshal(m.config) // plain numbers: cannot fail
	meta := map[string]string{
		metaArch: arch, metaConfig: string(cfg), metaMaxLen: strconv.Itoa(maxLen),
		metaVocab: strings.Join(m.tok.tokens(), "\n"), "classes": strings.Join(models.SentimentClasses, ","),
	}
	for k, v := range extra {
		meta[k] = v
	}
	return checkpoint.Save(path, nn.StateDict(m.net), meta)
}

// loadSentimentModel rebuilds a model written by deepgo sentiment train.
func loadSentimentModel(path string) (*sentimentModel, error) {
	weights, meta, err := checkpoint.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--model %s: no such file (give the model.safetensors of a 'deepgo sentiment train' run)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", path, err)
	}
	arch := meta[metaArch]
	if arch != archGRU && arch != archBERT {
		hint := ""
		if arch == archMLM {
			hint = ": a pre-trained encoder has no classifier yet; fine-tune it with 'deepgo sentiment train --model bert --pretrained " + path + "'"
		}
		return nil, fmt.Errorf("--model %s: not a sentiment model (arch %q; want %s or %s)%s", path, arch, archGRU, archBERT, hint)
	}
	m, err := modelFromMeta(path, meta)
	if err != nil {
		return nil, err
	}
	if err := nn.LoadStateDict(m.net, weights, true); err != nil {
		return nil, fmt.Errorf("--model %s: %w", path, err)
	}
	nn.Eval(m.net)
	return m, nil
}

// modelFromMeta builds the (untrained) model and tokenizer that a model
// file's metadata describes.
func modelFromMeta(path string, meta map[string]string) (*sentimentModel, error) {
	bad := func(what string, err error) error {
		return fmt.Errorf("--model %s: bad %s in the metadata: %v", path, what, err)
	}
	maxLen, err := strconv.Atoi(meta[metaMaxLen])
	if err != nil || maxLen < 2 {
		return nil, bad("max_len", fmt.Errorf("%q", meta[metaMaxLen]))
	}
	vocab := strings.Split(meta[metaVocab], "\n")
	switch meta[metaArch] {
	case archGRU:
		var c models.GRUClassifierConfig
		if err := json.Unmarshal([]byte(meta[metaConfig]), &c); err != nil {
			return nil, bad("config", err)
		}
		tok, err := newWordTokenizer(vocab, maxLen)
		if err != nil {
			return nil, bad("vocabulary", err)
		}
		if c.VocabSize != len(vocab) {
			return nil, bad("config", fmt.Errorf("vocab_size %d but %d words", c.VocabSize, len(vocab)))
		}
		net, err := build(func() *models.GRUClassifier { return models.NewGRUClassifier(c, tensor.NewRNG(0)) })
		if err != nil {
			return nil, bad("config", err)
		}
		return &sentimentModel{kind: "gru", net: net, tok: tok, config: net.Config}, nil
	default: // archBERT, archMLM
		var c models.BERTConfig
		if err := json.Unmarshal([]byte(meta[metaConfig]), &c); err != nil {
			return nil, bad("config", err)
		}
		wp, err := text.NewWordPiece(vocab)
		if err != nil {
			return nil, bad("vocabulary", err)
		}
		if c.VocabSize != wp.Size() || maxLen > c.MaxLen {
			return nil, bad("config", fmt.Errorf("vocab_size %d for %d tokens, max_len %d for %d positions", c.VocabSize, wp.Size(), maxLen, c.MaxLen))
		}
		net, err := build(func() *models.MiniBERT { return models.NewMiniBERT(c, tensor.NewRNG(0)) })
		if err != nil {
			return nil, bad("config", err)
		}
		return &sentimentModel{kind: "bert", net: net, bert: net, tok: wordPieceTokenizer{wp, maxLen}, config: net.Config}, nil
	}
}

// build runs a model constructor, turning its panic on a bad config (read
// from a file, so outside input) into an error.
func build[M any](f func() M) (m M, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return f(), nil
}

// positive returns the probability that each sentence is positive: the
// softmax of the model's two logits, in evaluation mode. An empty sentence
// is an error.
func (m *sentimentModel) positive(sentences []string) ([]float64, error) {
	rows := make([][]int, len(sentences))
	for i, s := range sentences {
		if strings.TrimSpace(s) == "" {
			return nil, errEmptySentence
		}
		rows[i] = m.tok.encode(s)
	}
	out := make([]float64, len(sentences))
	nn.Eval(m.net)
	tensor.NoGrad(func() {
		for i, r := range rows { // one at a time: no padding, as the lecture's predict_sentiment
			p := m.net.Forward(padRows([][]int{r}, m.tok.pad())).Softmax(1).Data()
			out[i] = float64(p[1])
		}
	})
	return out, nil
}

// lectureSentences are the lecture's five predict_sentiment examples with
// the positive probability its fine-tuned BERT gave.
var lectureSentences = []struct {
	text  string
	score float64
}{
	{"This film is terrible", 0.028073227033019066},
	{"This film is great", 0.9749133586883545},
	{"This lecture was quite boring", 0.0537508986890316},
	{"This lecture was challenging", 0.6184227466583252},
	{"This lecture was dense but interesting", 0.7105910181999207},
}

// lectureTable scores the lecture's sentences with m, as a Markdown table
// beside the lecture's values.
func lectureTable(m *sentimentModel) (string, error) {
	texts := make([]string, len(lectureSentences))
	for i, s := range lectureSentences {
		texts[i] = s.text
	}
	p, err := m.positive(texts)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| sentence | deepgo | lecture (BERT) |\n|---|---:|---:|\n")
	for i, s := range lectureSentences {
		fmt.Fprintf(&b, "| %s | %.4f | %.4f |\n", s.text, p[i], s.score)
	}
	return b.String(), nil
}

// finite reports whether v is a usable number (flags are checked with it).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
