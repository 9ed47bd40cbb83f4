package main

import (
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/viz"
	"github.com/spf13/cobra"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

func sentimentPredictCommand() *cobra.Command {
	var modelPath string
	var lecture bool
	cmd := &cobra.Command{
		Use:   `predict --model run/model.safetensors "sentence" ["more sentences" ...]`,
		Short: "print the probability that each sentence is positive",
		Long: `predict loads a model written by 'deepgo sentiment train' (GRU or mini-BERT;
the file carries its tokenizer) and prints, for each sentence, the probability
that it is positive, as the lecture's predict_sentiment does. --lecture scores
the lecture's five example sentences next to the values the lecture's BERT
gave.`,
		RunE: func(_ *cobra.Command, args []string) error {
			if modelPath == "" {
				return usageError{fmt.Errorf("predict: --model is required (the model.safetensors of a 'deepgo sentiment train' run)")}
			}
			if len(args) == 0 && !lecture {
				return usageError{fmt.Errorf("predict: give one or more sentences, or --lecture")}
			}
			return runSentimentPredict(os.Stdout, modelPath, args, lecture)
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model.safetensors written by deepgo sentiment train")
	cmd.Flags().BoolVar(&lecture, "lecture", false, "score the lecture's five example sentences beside the lecture's values")
	return cmd
}

func runSentimentPredict(w io.Writer, modelPath string, sentences []string, lecture bool) error {
	for _, s := range sentences {
		if strings.TrimSpace(s) == "" {
			return errEmptySentence
		}
	}
	m, err := loadSentimentModel(modelPath)
	if err != nil {
		return err
	}
	if lecture {
		table, err := lectureTable(m)
		if err != nil {
			return err
		}
		fmt.Fprint(w, table)
		if len(sentences) > 0 {
			fmt.Fprintln(w)
		}
	}
	if len(sentences) == 0 {
		return nil
	}
	probs, err := m.positive(sentences)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "positive  sentence")
	for i, s := range sentences {
		fmt.Fprintf(w, "%8.4f  %s\n", probs[i], s)
	}
	return nil
}

func sentimentAttentionCommand() *cobra.Command {
	var modelPath, out string
	cmd := &cobra.Command{
		Use:   `attention --model run/model.safetensors "sentence"`,
		Short: "draw the mini-BERT's attention maps for a sentence",
		Long: `attention runs a mini-BERT written by 'deepgo sentiment train --model bert' on
one sentence and writes a PNG with one attention map per layer (rows) and head
(columns): the row of a map is the query token, its columns the tokens it
attends to, [CLS] and [SEP] included.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if modelPath == "" {
				return usageError{fmt.Errorf("attention: --model is required (the model.safetensors of a 'deepgo sentiment train --model bert' run)")}
			}
			return runSentimentAttention(os.Stdout, modelPath, args[0], out)
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model.safetensors written by deepgo sentiment train --model bert")
	cmd.Flags().StringVar(&out, "out", "attention.png", "the PNG to write")
	return cmd
}

func runSentimentAttention(w io.Writer, modelPath, sentence, out string) error {
	if strings.TrimSpace(sentence) == "" {
		return errEmptySentence
	}
	m, err := loadSentimentModel(modelPath)
	if err != nil {
		return err
	}
	if m.bert == nil {
		return fmt.Errorf("--model %s: a %s model has no attention; give a model trained with --model bert", modelPath, m.kind)
	}
	ids := m.tok.encode(sentence)
	labels := make([]string, len(ids))
	for i, id := range ids {
		labels[i] = m.tok.token(id)
	}
	m.bert.KeepAttention(true)
	defer m.bert.KeepAttention(false)
	var prob float32
	tensor.NoGrad(func() { prob = m.bert.Forward(padRows([][]int{ids}, m.tok.pad())).Softmax(1).Data()[1] })
	maps := m.bert.Attention()
	tmp, err := os.MkdirTemp("", "deepgo-attention")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var tiles [][]image.Image
	for l, a := range maps { // a: [1, heads, L, L]
		heads, n := a.Size(1), a.Size(2)
		var row []image.Image
		for h := range heads {
			w := a.Data()[h*n*n : (h+1)*n*n]
			values := make([][]float64, n)
			for i := range values {
				values[i] = make([]float64, n)
				for j := range values[i] {
					values[i][j] = float64(w[i*n+j])
				}
			}
			path := filepath.Join(tmp, fmt.Sprintf("l%dh%d.png", l, h))
			if err := viz.HeatMap(path, values, labels, labels, fmt.Sprintf("layer %d, head %d", l+1, h+1)); err != nil {
				return err
			}
			img, err := readPNG(path)
			if err != nil {
				return err
			}
			row = append(row, img)
		}
		tiles = append(tiles, row)
	}
	title := fmt.Sprintf("%q: positive %.3f; rows: layers, columns: heads", sentence, prob)
	if err := writeImageGrid(out, tiles, title); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: %d layers × %d heads, %d tokens [%s], positive probability %.4f\n",
		out, len(maps), maps[0].Size(1), len(ids), strings.Join(labels, " "), prob)
	return nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// writeImageGrid tiles the images (rows of equally sized pictures) on a
// white page under a one-line title and writes it as a PNG.
func writeImageGrid(path string, tiles [][]image.Image, title string) error {
	const pad, titleH = 8, 24
	tw, th := tiles[0][0].Bounds().Dx(), tiles[0][0].Bounds().Dy()
	cols := 0
	for _, r := range tiles {
		cols = max(cols, len(r))
	}
	page := image.NewRGBA(image.Rect(0, 0, pad+cols*(tw+pad), titleH+pad+len(tiles)*(th+pad)))
	draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: page, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(pad, 17)}
	d.DrawString(title)
	for r, row := range tiles {
		for c, img := range row {
			at := image.Pt(pad+c*(tw+pad), titleH+pad+r*(th+pad))
			draw.Draw(page, image.Rectangle{Min: at, Max: at.Add(img.Bounds().Size())}, img, img.Bounds().Min, draw.Src)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write the picture: %w", err)
	}
	if err := png.Encode(f, page); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the picture: %w", err)
	}
	return f.Close()
}
