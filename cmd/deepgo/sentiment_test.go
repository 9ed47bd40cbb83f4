package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/internal/datatest"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/text"
)

// sentimentData skips (or, in CI, fails) without SST-2, the UCI sentences
// and the BERT vocabulary.
func sentimentDataDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{text.SST2Folder, text.SentencesFolder, text.BERTVocabFolder} {
		datatest.Dataset(t, d)
	}
	return datatest.Dir(t)
}

func requireFiles(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("run folder %s lacks %s", dir, f)
		}
	}
}

// predictLines runs predict and returns the probabilities it printed.
func predictLines(t *testing.T, model string, sentences ...string) []float64 {
	t.Helper()
	var out bytes.Buffer
	if err := runSentimentPredict(&out, model, sentences, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(sentences)+1 || lines[0] != "positive  sentence" {
		t.Fatalf("predict printed\n%s", out.String())
	}
	var probs []float64
	for i, l := range lines[1:] {
		fields := strings.SplitN(strings.TrimSpace(l), "  ", 2)
		p, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || !(p > 0 && p < 1) || fields[1] != sentences[i] {
			t.Fatalf("predict line %q", l)
		}
		probs = append(probs, p)
	}
	return probs
}

// A tiny GRU run writes the whole run folder, resumes to a second epoch,
// and predict reads its model file back: the probabilities it prints are
// the model's own.
func TestSentimentGRURun(t *testing.T) {
	dataDir := sentimentDataDir(t)
	dir := t.TempDir()
	o := sentimentTrainOptions{Model: "gru", Epochs: 1, Batch: 32, MaxLen: 64, Embed: 16, Hidden: 8, Heads: 1, MinFreq: 1,
		Warmup: 0.1, Clip: 1, Seed: 3, Limit: 300, dataDir: dataDir, out: dir, noProgress: true}
	if err := applyModelDefaults(&o, func(flag string) bool { return flag == "epochs" }); err != nil {
		t.Fatal(err)
	}
	if o.LR != 2e-3 || o.Dropout != 0.5 || o.Epochs != 1 {
		t.Fatalf("gru defaults: %+v", o)
	}
	sum, err := runSentimentTrain(o)
	if err != nil {
		t.Fatal(err)
	}
	requireFiles(t, dir, "options.json", "metrics.csv", "loss.png", "accuracy.png", "confusion.png", "model.safetensors", "checkpoint.safetensors", "report.md")
	report, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(report), "| This film is terrible |") {
		t.Errorf("the report does not score the lecture's sentences:\n%s", report)
	}

	sentences := []string{"This film is terrible", "a gorgeous , witty , seductive movie ."}
	probs := predictLines(t, filepath.Join(dir, modelFileName), sentences...)
	want, err := sum.Model.positive(sentences)
	if err != nil {
		t.Fatal(err)
	}
	for i := range probs {
		if d := probs[i] - want[i]; d > 1e-4 || d < -1e-4 {
			t.Errorf("%q: predict %v, the trained model %v", sentences[i], probs[i], want[i])
		}
	}

	// --resume with more epochs goes on from the checkpoint.
	r := sentimentTrainOptions{Epochs: 2, resume: dir, noProgress: true, dataDir: dataDir}
	if err := loadRunOptions(r.resume, &r, true, sentimentEpochs); err != nil {
		t.Fatal(err)
	}
	if r.Model != "gru" || r.Hidden != 8 || r.Epochs != 2 {
		t.Fatalf("resumed options %+v", r)
	}
	sum2, err := runSentimentTrain(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum2.History) != 2 || sum2.History[0] != sum.History[0] {
		t.Errorf("resumed history %v, first run %v", sum2.History, sum.History)
	}
}

// Pre-training writes its run folder and an encoder that fine-tuning
// starts from; the fine-tuned model predicts and draws its attention.
func TestSentimentBERTPretrainAndFineTune(t *testing.T) {
	dataDir := sentimentDataDir(t)
	pre := t.TempDir()
	po := pretrainOptions{Steps: 4, Batch: 16, LR: 1e-3, WeightDecay: 0.01, Warmup: 0.25, Clip: 1, MaxLen: 24, Hidden: 16, Layers: 1,
		Heads: 2, Dropout: 0.1, EvalEvery: 2, Seed: 1, Limit: 100, Maximal: true, dataDir: dataDir, out: pre, noProgress: true}
	ps, err := runPretrain(po)
	if err != nil {
		t.Fatal(err)
	}
	requireFiles(t, pre, "options.json", "metrics.csv", "mlm-loss.png", "mlm-accuracy.png", encoderFile, pretrainCheckpoint, "report.md")
	if steps := []int{ps.History[0].Step, ps.History[1].Step, ps.History[2].Step}; len(ps.History) != 3 || !slices.Equal(steps, []int{0, 2, 4}) {
		t.Fatalf("evaluations at steps %v, want 0, 2, 4", steps)
	}

	// Resuming a pre-training with more steps continues its history.
	ro := pretrainOptions{Steps: 6, resume: pre, dataDir: dataDir, noProgress: true}
	if err := loadRunOptions(ro.resume, &ro, true, pretrainSteps); err != nil {
		t.Fatal(err)
	}
	ps2, err := runPretrain(ro)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps2.History) != 4 || ps2.History[2] != ps.History[2] || ps2.History[3].Step != 6 {
		t.Errorf("resumed history %v, first run %v", ps2.History, ps.History)
	}

	dir := t.TempDir()
	o := sentimentTrainOptions{Model: "bert", Pretrained: filepath.Join(pre, encoderFile), Epochs: 1, Batch: 16, LR: 1e-3, Warmup: 0.1,
		Clip: 1, MaxLen: 20, Embed: 1, Hidden: 64, Layers: 4, Heads: 4, Dropout: 0.1, Seed: 2, Limit: 200, dataDir: dataDir, out: dir, noProgress: true}
	sum, err := runSentimentTrain(o)
	if err != nil {
		t.Fatal(err)
	}
	requireFiles(t, dir, "metrics.csv", "loss.png", "accuracy.png", "confusion.png", modelFileName, "report.md")
	if c := sum.Model.bert.Config; c.Hidden != 16 || c.Layers != 1 || c.MaxLen != 24 {
		t.Errorf("fine-tuned config %+v: want the pre-trained encoder's sizes", c)
	}
	model := filepath.Join(dir, modelFileName)
	predictLines(t, model, "This film is great")

	png1 := filepath.Join(t.TempDir(), "attention.png")
	var out bytes.Buffer
	if err := runSentimentAttention(&out, model, "This film is great", png1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 layers × 2 heads, 6 tokens [[CLS] this film is great [SEP]]") {
		t.Errorf("attention printed %q", out.String())
	}
	f, err := os.Open(png1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 300 {
		t.Fatalf("attention PNG: %v, %v", err, img.Bounds())
	}
}

// Errors from outside the program say what is wrong, with no panic.
func TestSentimentBadInput(t *testing.T) {
	dataDir := sentimentDataDir(t)
	tmp := t.TempDir()
	// a GRU model, and a pre-trained encoder, to misuse
	gru := filepath.Join(tmp, "gru")
	o := sentimentTrainOptions{Model: "gru", Epochs: 1, Batch: 64, LR: 1e-3, MaxLen: 32, Embed: 8, Hidden: 4, Layers: 1, Heads: 1,
		Seed: 1, Limit: 64, dataDir: dataDir, out: gru, noProgress: true}
	if _, err := runSentimentTrain(o); err != nil {
		t.Fatal(err)
	}
	gruModel := filepath.Join(gru, modelFileName)
	encoder := filepath.Join(tmp, "encoder.safetensors")
	wp, err := loadWordPiece(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	m := newTestBERT(wp)
	if err := saveEncoder(encoder, m, wordPieceTokenizer{wp, 16}, mlmPoint{Step: 1}); err != nil {
		t.Fatal(err)
	}
	var sink bytes.Buffer
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"missing model", runSentimentPredict(&sink, filepath.Join(tmp, "nope.safetensors"), []string{"good"}, false), "no such file"},
		{"empty sentence", runSentimentPredict(&sink, gruModel, []string{"fine", "  "}, false), "empty sentence"},
		{"attention of a GRU", runSentimentAttention(&sink, gruModel, "good film", filepath.Join(tmp, "a.png")), "has no attention"},
		{"empty attention sentence", runSentimentAttention(&sink, gruModel, "", filepath.Join(tmp, "a.png")), "empty sentence"},
		{"encoder as a classifier", runSentimentPredict(&sink, encoder, []string{"good"}, false), "fine-tune it"},
		{"not a sentiment model", runSentimentPredict(&sink, filepath.Join(gru, "checkpoint.safetensors"), []string{"good"}, false), "not a sentiment model"},
		{"not a safetensors file", runSentimentPredict(&sink, filepath.Join(gru, "report.md"), []string{"good"}, false), "report.md"},
		{"classifier as an encoder", trainErr(sentimentTrainOptions{Model: "bert", Pretrained: gruModel, Epochs: 1, Batch: 8, LR: 1e-3, MaxLen: 16,
			Embed: 1, Hidden: 8, Layers: 1, Heads: 1, Limit: 8, dataDir: dataDir, out: filepath.Join(tmp, "x")}), "not an encoder"},
		{"model kind", trainErr(sentimentTrainOptions{Model: "lstm"}), `--model "lstm"`},
		{"pretrained gru", trainErr(sentimentTrainOptions{Model: "gru", Pretrained: encoder, Epochs: 1, Batch: 1, LR: 1, MaxLen: 8, Embed: 1, Hidden: 1, Layers: 1, Heads: 1}), "--pretrained needs --model bert"},
		{"heads", trainErr(sentimentTrainOptions{Model: "bert", Epochs: 1, Batch: 1, LR: 1, MaxLen: 8, Embed: 1, Hidden: 10, Layers: 1, Heads: 3}), "--heads 3 must divide --hidden 10"},
		{"resume nothing", trainErr(sentimentTrainOptions{Model: "gru", Epochs: 1, Batch: 1, LR: 1, MaxLen: 8, Embed: 1, Hidden: 1, Layers: 1, Heads: 1, resume: tmp}), "no checkpoint.safetensors"},
		{"pretrain steps", func() error { _, err := runPretrain(pretrainOptions{Batch: 1}); return err }(), "--steps"},
		{"no data", trainErr(sentimentTrainOptions{Model: "gru", Epochs: 1, Batch: 1, LR: 1, MaxLen: 8, Embed: 1, Hidden: 1, Layers: 1, Heads: 1, dataDir: tmp}), "SST-2 not found"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
}

func trainErr(o sentimentTrainOptions) error {
	o.noProgress = true
	_, err := runSentimentTrain(o)
	return err
}

func newTestBERT(wp *text.WordPiece) *models.MiniBERT {
	return models.NewMiniBERT(models.BERTConfig{VocabSize: wp.Size(), Hidden: 8, Layers: 1, Heads: 2, MaxLen: 16}, tensor.NewRNG(1))
}

// The schedule rises linearly to the peak over the warm-up, falls linearly
// after it, and a reloaded state continues where it stopped.
func TestWarmupLinear(t *testing.T) {
	p := tensor.Ones(2).SetRequiresGrad(true)
	newOpt := func() *warmupLinear {
		return newWarmupLinear(optim.NewAdamW([]*tensor.Tensor{p}, optim.DefaultAdamWConfig()), 1, 4, 12)
	}
	w := newOpt()
	var lrs []float64
	for range 12 {
		p.Grad = tensor.Ones(2)
		w.Step()
		lrs = append(lrs, w.LR())
	}
	want := []float64{0.25, 0.5, 0.75, 1, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125}
	for i := range want {
		if d := lrs[i] - want[i]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("learning rates %v, want %v", lrs, want)
		}
	}
	w2 := newOpt()
	if err := w2.LoadStateDict(w.StateDict()); err != nil || w2.step != 12 {
		t.Fatalf("reload: %v, step %d", err, w2.step)
	}
	if err := w2.LoadStateDict(optim.NewAdamW([]*tensor.Tensor{p}, optim.DefaultAdamWConfig()).StateDict()); err == nil {
		t.Error("a state without the schedule's step loaded")
	}
}

// Bucketed batches hold every sentence once, each batch of about one
// length, and depend only on the seed.
func TestBucketBatches(t *testing.T) {
	g := tensor.NewRNG(1)
	lengths := make([]int, 1000)
	for i := range lengths {
		lengths[i] = 1 + g.IntN(50)
	}
	batches := bucketBatches(lengths, 32, 7)
	seen := make([]bool, len(lengths))
	spread := 0
	for _, b := range batches {
		lo, hi := 100, 0
		for _, i := range b {
			if seen[i] {
				t.Fatalf("sentence %d twice", i)
			}
			seen[i] = true
			lo, hi = min(lo, lengths[i]), max(hi, lengths[i])
		}
		spread = max(spread, hi-lo)
	}
	if slices.Contains(seen, false) || len(batches) != 32 {
		t.Fatalf("%d batches; every sentence seen: %v", len(batches), !slices.Contains(seen, false))
	}
	if spread > 2 {
		t.Errorf("a batch spans %d lengths", spread)
	}
	again := bucketBatches(lengths, 32, 7)
	if !slices.EqualFunc(batches, again, slices.Equal) {
		t.Error("same seed, other batches")
	}
	if slices.EqualFunc(batches, bucketBatches(lengths, 32, 8), slices.Equal) {
		t.Error("another seed, same batches")
	}
	ids := padRows([][]int{{5, 6, 7}, {8}}, 0)
	if !slices.Equal(ids.Data(), []float32{5, 6, 7, 8, 0, 0}) || !tensor.SameShape(ids.Shape(), []int{2, 3}) {
		t.Errorf("padRows %v %v", ids.Shape(), ids.Data())
	}
}

// The masked batch of a step is the same on every run (resume), about 15%
// of the tokens are chosen, never [CLS] or [SEP], and the targets are the
// original tokens.
func TestMLMCorpusBatches(t *testing.T) {
	wp, err := loadWordPiece(sentimentDataDir(t))
	if err != nil {
		t.Fatal(err)
	}
	sentences := make([]string, 200)
	for i := range sentences {
		sentences[i] = "the movie was " + strings.Repeat("very ", i%7) + "good and the acting was fine"
	}
	tok := wordPieceTokenizer{wp, 32}
	a, b := newMLMCorpus(sentences, tok, 50, 9), newMLMCorpus(sentences, tok, 50, 9)
	chosen, total := 0, 0
	for step := range 8 {
		x, y := a.at(step), b.at(step)
		if !slices.Equal(x.ids.Data(), y.ids.Data()) || !slices.Equal(x.positions, y.positions) {
			t.Fatalf("step %d: two corpora masked differently", step)
		}
		for _, v := range x.targets.Data() {
			if id := int(v); wp.IsSpecial(id) {
				t.Fatalf("step %d: special token %s chosen", step, wp.Token(id))
			}
		}
		chosen += len(x.positions)
		for _, v := range x.ids.Data() {
			if int(v) != wp.PadID() {
				total++
			}
		}
	}
	if f := float64(chosen) / float64(total); f < 0.10 || f > 0.17 {
		t.Errorf("%.3f of the tokens chosen", f) // 15% of the non-special ones
	}
}

// Phrases inside longer ones, and repeats, are dropped; a phrase that
// merely shares words with another, or sits inside a word, stays.
func TestMaximalPhrases(t *testing.T) {
	got := maximalPhrases([]string{"a good film", "good", "good film", "a good film !", "bad", "very bad acting", "bad acting", "ad", "bad", "acting well"})
	want := []string{"a good film !", "very bad acting", "ad", "acting well"}
	if !slices.Equal(got, want) {
		t.Errorf("maximalPhrases = %q, want %q", got, want)
	}
}
