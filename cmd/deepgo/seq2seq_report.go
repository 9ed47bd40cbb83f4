package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/train"
	"github.com/deepgo/deepgo/viz"
)

// dateScores are a model's figures on a set: the teacher-forced token
// accuracy (every date character and the EOS), the exact-match accuracy of
// greedy decoding, and the greedy outputs.
type dateScores struct {
	token, exact float64
	outputs      []string
}

// scoreDates evaluates model on set, evalBatch pairs at a time, in
// evaluation mode without gradients.
func scoreDates(model *models.Seq2SeqTransformer, set *encodedDates, tgtV *data.CharVocab) dateScores {
	n, tl := len(set.pairs), set.tgt.Size(1)-1
	var s dateScores
	correct, tokens, exact := 0, 0, 0
	was := model.Training()
	nn.Eval(model)
	defer model.SetTraining(was)
	for lo := 0; lo < n; lo += evalBatch {
		hi := min(lo+evalBatch, n)
		src, tgt := set.src.Narrow(0, lo, hi-lo), set.tgt.Narrow(0, lo, hi-lo)
		var pred []float32
		tensor.NoGrad(func() { pred = model.Logits(src, tgt.Narrow(1, 0, tl)).Argmax(2).Data() })
		want := tgt.Narrow(1, 1, tl).Data()
		for i, w := range want {
			if w != data.CharPad {
				tokens++
				if pred[i] == w {
					correct++
				}
			}
		}
		for i, ids := range model.Greedy(src, isoLen+1) {
			out := tgtV.Decode(ids)
			s.outputs = append(s.outputs, out)
			if out == set.pairs[lo+i].Tgt {
				exact++
			}
		}
	}
	s.token = float64(correct) / float64(max(tokens, 1))
	s.exact = float64(exact) / float64(max(n, 1))
	return s
}

// validationRow is one epoch of validation.csv.
type validationRow struct {
	Epoch              int
	Loss, Token, Exact float64
}

// validationLog keeps validation.csv, the per-epoch validation figures the
// trainer's metrics.csv has no columns for.
type validationLog struct {
	path string
	rows []validationRow
}

const validationFile = "validation.csv"

// newValidationLog starts the log of dir; when resuming it reads back the
// rows of the epochs already done.
func newValidationLog(dir string, resume bool) (*validationLog, error) {
	l := &validationLog{path: filepath.Join(dir, validationFile)}
	if !resume {
		return l, nil
	}
	b, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("%s: not a validation log: %v", l.path, err)
	}
	for _, r := range recs[1:] {
		if len(r) != 4 {
			return nil, fmt.Errorf("%s: row %v: want 4 columns", l.path, r)
		}
		var row validationRow
		var errs [4]error
		row.Epoch, errs[0] = strconv.Atoi(r[0])
		row.Loss, errs[1] = strconv.ParseFloat(r[1], 64)
		row.Token, errs[2] = strconv.ParseFloat(r[2], 64)
		row.Exact, errs[3] = strconv.ParseFloat(r[3], 64)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, fmt.Errorf("%s: row %v: %w", l.path, r, err)
		}
		l.rows = append(l.rows, row)
	}
	return l, nil
}

// add records an epoch, replacing the rows of that epoch and later ones (a
// resumed run redoes them), and rewrites the file.
func (l *validationLog) add(r validationRow) error {
	kept := l.rows[:0]
	for _, old := range l.rows {
		if old.Epoch < r.Epoch {
			kept = append(kept, old)
		}
	}
	l.rows = append(kept, r)
	var b strings.Builder
	b.WriteString("epoch,val_loss,val_token_acc,val_exact_match\n")
	for _, r := range l.rows {
		fmt.Fprintf(&b, "%d,%s,%s,%s\n", r.Epoch, strconv.FormatFloat(r.Loss, 'g', 8, 64),
			strconv.FormatFloat(r.Token, 'g', 8, 64), strconv.FormatFloat(r.Exact, 'g', 8, 64))
	}
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, l.path)
}

// seq2seqPictures writes loss.png, accuracy.png, attention.png and
// attention-heads.png.
func seq2seqPictures(dir string, model *models.Seq2SeqTransformer, hist train.History, val []validationRow,
	test *encodedDates, srcV, tgtV *data.CharVocab) error {
	ep := make([]float64, len(hist))
	var trL, vaL []float64
	for i, r := range hist {
		ep[i] = float64(r.Epoch)
		trL, vaL = append(trL, r.TrainLoss), append(vaL, r.TestLoss)
	}
	if err := viz.LinePlot(filepath.Join(dir, "loss.png"), "Cross-entropy loss (teacher forcing)", "epoch", "loss",
		viz.Series{Name: "train", X: ep, Y: trL}, viz.Series{Name: "validation", X: ep, Y: vaL}); err != nil {
		return err
	}
	var vx, tok, exact []float64
	for _, r := range val {
		vx, tok, exact = append(vx, float64(r.Epoch)), append(tok, 100*r.Token), append(exact, 100*r.Exact)
	}
	if len(vx) > 0 {
		if err := viz.LinePlot(filepath.Join(dir, "accuracy.png"), "Validation accuracy", "epoch", "accuracy (%)",
			viz.Series{Name: "token (teacher forced)", X: vx, Y: tok}, viz.Series{Name: "exact match (greedy)", X: vx, Y: exact}); err != nil {
			return err
		}
	}
	return attentionPictures(dir, model, test.pairs[0].Src, srcV, tgtV)
}

// attentionPictures translates src greedily, then replays the translation
// with teacher forcing to read the decoder's cross-attention: rows are the
// output characters (each row is the step that produced it), columns the
// source characters. attention.png averages the last layer's heads;
// attention-heads.png shows every layer and head.
func attentionPictures(dir string, model *models.Seq2SeqTransformer, src string, srcV, tgtV *data.CharVocab) error {
	x, err := srcV.EncodeBatch([]string{src}, 0)
	if err != nil {
		return err
	}
	out := model.Greedy(x, isoLen+1)[0]
	// Row i of the map is the step that produced output i, reading BOS and
	// outputs 0..i−1; the EOS step is there when decoding ended with it.
	steps := len(out) + 1
	if len(out) == isoLen+1 { // cut without EOS
		steps = len(out)
	}
	in := tensor.Zeros(1, steps)
	in.Set(data.CharBOS, 0, 0)
	for i := 1; i < steps; i++ {
		in.Set(float32(out[i-1]), 0, i)
	}
	was := model.Training()
	nn.Eval(model)
	model.KeepAttention(true)
	tensor.NoGrad(func() { model.Logits(x, in) })
	maps := model.CrossAttention() // per layer [1, H, T, S]
	model.KeepAttention(false)
	model.SetTraining(was)

	rows := make([]string, 0, len(out)+1)
	for _, r := range tgtV.Decode(out) {
		rows = append(rows, string(r))
	}
	if steps > len(out) {
		rows = append(rows, "</s>")
	}
	cols := []string{"<s>"}
	for _, r := range src {
		c := string(r)
		if r == ' ' {
			c = "_" // the plot font has no visible-space glyph
		}
		cols = append(cols, c)
	}
	cols = append(cols, "</s>")

	last := maps[len(maps)-1]
	h, t, s := last.Size(1), last.Size(2), last.Size(3)
	mean := last.Mean(1).Data() // [1, T, S]
	values := make([][]float64, t)
	for i := range values {
		values[i] = make([]float64, s)
		for j := range values[i] {
			values[i][j] = float64(mean[i*s+j])
		}
	}
	title := fmt.Sprintf("Cross-attention (last decoder layer, mean of %d heads)", h)
	if err := viz.HeatMap(filepath.Join(dir, "attention.png"), values, rows, cols, title); err != nil {
		return err
	}
	var panels []*tensor.Tensor
	var labels []string
	for l, m := range maps {
		for k := 0; k < h; k++ {
			panels = append(panels, m.Narrow(1, k, 1).Reshape(1, t, s))
			labels = append(labels, fmt.Sprintf("layer %d head %d", l+1, k+1))
		}
	}
	return viz.ImageGridWith(filepath.Join(dir, "attention-heads.png"), tensor.Stack(panels, 0),
		viz.GridOptions{Cols: h, Scale: 10, Labels: labels, Normalize: viz.NormalizePerImage})
}

// writeSeq2SeqReport writes report.md: the set-up, the figures per epoch,
// the test result, example translations and the test errors.
func writeSeq2SeqReport(dir string, o seq2seqOptions, model *models.Seq2SeqTransformer, sets dateSets, hist train.History,
	val []validationRow, test *encodedDates, score dateScores, wall time.Duration) error {
	var b strings.Builder
	b.WriteString("# seq2seq: dates to ISO 8601 with an encoder-decoder transformer\n\n")
	fmt.Fprintf(&b, "- model: %v, %d parameters\n", model, nn.NumParameters(model))
	fmt.Fprintf(&b, "- data: %d training, %d validation and %d test pairs from disjoint seeds, no held-out source in the training set\n",
		len(sets.train), len(sets.val), len(sets.test))
	fmt.Fprintf(&b, "- training: teacher forcing, Adam lr=%g (linear warm-up %d steps, then %s), batch %d, clip %g, label smoothing %g, %d epochs, seed %d\n",
		o.LR, o.Warmup, o.Schedule, o.Batch, o.Clip, o.LabelSmoothing, len(hist), o.Seed)
	right := int(score.exact*float64(len(test.pairs)) + 0.5)
	fmt.Fprintf(&b, "- **test exact match (greedy): %.2f%%** (%d of %d); test token accuracy %.2f%%\n", 100*score.exact, right, len(test.pairs), 100*score.token)
	var sec float64
	for _, r := range hist {
		sec += r.Seconds
	}
	fmt.Fprintf(&b, "- time: %.0f s training and validation, %.0f s for the whole command\n\n", sec, wall.Seconds())

	byEpoch := map[int]validationRow{}
	for _, r := range val {
		byEpoch[r.Epoch] = r
	}
	b.WriteString("| epoch | train loss | val loss | val token acc | val exact match | lr | seconds |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range hist {
		tok, ex := "—", "—"
		if v, ok := byEpoch[r.Epoch]; ok {
			tok, ex = fmt.Sprintf("%.2f%%", 100*v.Token), fmt.Sprintf("%.2f%%", 100*v.Exact)
		}
		fmt.Fprintf(&b, "| %d | %.4f | %.4f | %s | %s | %.3g | %.0f |\n", r.Epoch, r.TrainLoss, r.TestLoss, tok, ex, r.LR, r.Seconds)
	}
	b.WriteString("\n## Example translations (test set, greedy)\n\n| source | output | expected | |\n|---|---|---|---|\n")
	for i := 0; i < min(12, len(test.pairs)); i++ {
		p := test.pairs[i]
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", p.Src, score.outputs[i], p.Tgt, mark(score.outputs[i] == p.Tgt))
	}
	var wrong []int
	for i, p := range test.pairs {
		if score.outputs[i] != p.Tgt {
			wrong = append(wrong, i)
		}
	}
	fmt.Fprintf(&b, "\n## Test errors (%d)\n\n", len(wrong))
	if len(wrong) > 0 {
		b.WriteString("| source | output | expected |\n|---|---|---|\n")
		for _, i := range wrong[:min(20, len(wrong))] {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", test.pairs[i].Src, score.outputs[i], test.pairs[i].Tgt)
		}
	}
	fmt.Fprintf(&b, "\nPictures: loss.png, accuracy.png, attention.png (cross-attention for %q), attention-heads.png. Weights: model.safetensors.\n", test.pairs[0].Src)
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(b.String()), 0o644)
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}
