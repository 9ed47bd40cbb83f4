package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/text"
	"github.com/deepgo/deepgo/viz"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// pretrainOptions are the flags of deepgo sentiment pretrain; the exported
// ones define the run and are saved in its options.json.
type pretrainOptions struct {
	Steps       int     `json:"steps"`
	Batch       int     `json:"batch_size"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Warmup      float64 `json:"warmup"`
	Clip        float64 `json:"clip"`
	MaxLen      int     `json:"max_len"`
	Hidden      int     `json:"hidden"`
	Layers      int     `json:"layers"`
	Heads       int     `json:"heads"`
	FF          int     `json:"ff"`
	Dropout     float64 `json:"dropout"`
	EvalEvery   int     `json:"eval_every"`
	Maximal     bool    `json:"maximal_phrases,omitempty"`
	Seed        uint64  `json:"seed"`
	Limit       int     `json:"limit,omitempty"`

	dataDir, out, resume string
	threads              int
	noProgress           bool
}

func pretrainCommand() *cobra.Command {
	o := pretrainOptions{}
	cmd := &cobra.Command{
		Use:   "pretrain",
		Short: "pre-train a mini-BERT as a masked language model on the sentiment sentences",
		Long: `pretrain trains a mini-BERT on BERT's masked-language-model task: in every
sentence 15% of the tokens are chosen, 80% of those replaced by [MASK], 10% by
a random token and 10% kept, and the model predicts the original tokens (the
30522-way output layer, tied to the word embeddings, runs at the chosen
positions only). The sentences are SST-2's 67k training phrases and the UCI
Sentiment Labelled Sentences. (SST-2 holds every phrase of a sentence's parse
tree as a row of its own; --maximal-phrases keeps only the 6,885 that no other
contains, a fifth of the text. Measured: more masked-token accuracy per minute,
but fine-tuning from it did worse, as its sentences are longer than the
phrases classified.) SST-2's dev sentences are held out to measure
the masked-token loss and accuracy every --eval-every steps (with masks fixed
once, so the curve compares like with like).

The run folder gets metrics.csv (per evaluation), mlm-loss.png and
mlm-accuracy.png, encoder.safetensors (the embeddings, encoder and MLM head,
for 'deepgo sentiment train --model bert --pretrained'), checkpoint.safetensors
and report.md. Ctrl-C saves a checkpoint; --resume <run folder> continues.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.resume != "" {
				if err := loadRunOptions(o.resume, &o, cmd.Flags().Changed("steps"), pretrainSteps); err != nil {
					return err
				}
			}
			_, err := runPretrain(o)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Steps, "steps", 1200, "optimizer steps")
	f.IntVar(&o.Batch, "batch-size", 128, "sentences per batch")
	f.Float64Var(&o.LR, "lr", 1e-3, "peak learning rate")
	f.Float64Var(&o.WeightDecay, "weight-decay", 0.01, "AdamW's decoupled weight decay")
	f.Float64Var(&o.Warmup, "warmup", 0.06, "fraction of the steps spent raising the learning rate from 0")
	f.Float64Var(&o.Clip, "clip", 1, "clip gradients to this global L2 norm (0: off)")
	f.IntVar(&o.MaxLen, "max-len", 64, "positions, and tokens kept per sentence with [CLS] and [SEP]")
	f.IntVar(&o.Hidden, "hidden", 128, "model width")
	f.IntVar(&o.Layers, "layers", 2, "encoder layers")
	f.IntVar(&o.Heads, "heads", 2, "attention heads")
	f.IntVar(&o.FF, "ff", 0, "feed-forward size (default 4·hidden)")
	f.Float64Var(&o.Dropout, "dropout", 0.1, "dropout probability")
	f.IntVar(&o.EvalEvery, "eval-every", 100, "steps between held-out evaluations and checkpoints")
	f.BoolVar(&o.Maximal, "maximal-phrases", false, "pre-train on the 6.9k SST-2 training phrases that no other contains instead of all 67k")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (initialisation, batches, masks, dropout)")
	f.IntVar(&o.threads, "threads", 0, "compute threads (0: all cores)")
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder (default $DEEPGO_DATA or the user cache)")
	f.StringVar(&o.out, "out", "", "run folder (default runs/pretrain-<time>)")
	f.StringVar(&o.resume, "resume", "", "resume the run in this folder from its checkpoint")
	f.BoolVar(&o.noProgress, "no-progress", false, "hide the progress bar")
	f.IntVar(&o.Limit, "limit", 0, "use only the first n sentences of each source (0: all)")
	f.MarkHidden("limit")
	return cmd
}

func (o pretrainOptions) check() error {
	switch {
	case o.Steps < 1 || o.Batch < 1 || o.EvalEvery < 1 || o.MaxLen < 3 || o.Hidden < 1 || o.Layers < 1 || o.Heads < 1 || o.FF < 0 || o.threads < 0:
		return usageError{errors.New("--steps, --batch-size, --eval-every, --hidden, --layers and --heads must be >= 1, --max-len >= 3, --ff and --threads >= 0")}
	case !(o.LR > 0) || !finite(o.LR) || !(o.WeightDecay >= 0) || !(o.Warmup >= 0 && o.Warmup < 1) || !(o.Clip >= 0) || !(o.Dropout >= 0 && o.Dropout < 1):
		return usageError{errors.New("--lr must be > 0, --weight-decay and --clip >= 0, --warmup and --dropout in [0, 1)")}
	case o.Hidden%o.Heads != 0:
		return usageError{fmt.Errorf("--heads %d must divide --hidden %d", o.Heads, o.Hidden)}
	}
	return nil
}

// mlmPoint is one evaluation of the pre-training: the training loss and
// accuracy over the masked tokens since the previous one, the held-out
// ones, the learning rate and the time spent so far.
type mlmPoint struct {
	Step                                   int
	TrainLoss, TrainAcc, EvalLoss, EvalAcc float64
	LR, Seconds                            float64
}

// mlmBatch is a masked batch: the corrupted ids, the flat positions of
// the chosen tokens and their original ids.
type mlmBatch struct {
	ids       *tensor.Tensor
	positions []int
	targets   *tensor.Tensor
}

// mlmCorpus is the tokenized pre-training text and the masking.
type mlmCorpus struct {
	wp    *text.WordPiece
	rows  [][]int
	lens  []int
	batch int
	seed  uint64
	epoch int     // the epoch whose batches are in order
	order [][]int // the batches of epoch
}

func newMLMCorpus(sentences []string, tok wordPieceTokenizer, batch int, seed uint64) *mlmCorpus {
	c := &mlmCorpus{wp: tok.wp, rows: make([][]int, len(sentences)), lens: make([]int, len(sentences)), batch: batch, seed: seed, epoch: -1}
	for i, s := range sentences {
		c.rows[i] = tok.encode(s)
		c.lens[i] = len(c.rows[i])
	}
	return c
}

// stepsPerEpoch is the number of batches in one pass over the corpus.
func (c *mlmCorpus) stepsPerEpoch() int { return (len(c.rows) + c.batch - 1) / c.batch }

// at returns the masked batch of a step: the step's epoch groups the
// sentences into batches of about one length (bucketBatches), and its
// masks come from a generator seeded by the step, so that the batches of
// a resumed run are those of an uninterrupted one.
func (c *mlmCorpus) at(step int) mlmBatch {
	epoch, k := step/c.stepsPerEpoch(), step%c.stepsPerEpoch()
	if epoch != c.epoch {
		c.epoch, c.order = epoch, bucketBatches(c.lens, c.batch, mixSeed(c.seed, 3, uint64(epoch)))
	}
	return c.mask(c.order[k], tensor.NewRNG(mixSeed(c.seed, 4, uint64(step))))
}

// mask pads the sentences idx into a batch and masks it with rng. A batch
// where no token was chosen (tiny sentences) gets its first maskable token
// chosen, so that every batch has a loss.
func (c *mlmCorpus) mask(idx []int, rng *tensor.RNG) mlmBatch {
	rows := make([][]int, len(idx))
	for j, i := range idx {
		rows[j] = c.rows[i]
	}
	ids := padRows(rows, c.wp.PadID())
	masked, labels := c.wp.MaskBatch(text.Batch{IDs: ids}, text.MaskProb, rng)
	positions, targets := maskedPositions(labels)
	if len(positions) == 0 {
		for p, v := range ids.Data() {
			if !c.wp.IsSpecial(int(v)) {
				masked.Data()[p] = float32(c.wp.MaskID())
				positions, targets = []int{p}, tensor.New([]float32{v}, 1)
				break
			}
		}
	}
	return mlmBatch{ids: masked, positions: positions, targets: targets}
}

// evalBatches masks the held-out sentences once, with a fixed seed.
func (c *mlmCorpus) evalBatches() []mlmBatch {
	rng := tensor.NewRNG(mixSeed(c.seed, 5))
	var out []mlmBatch
	for _, idx := range bucketBatches(c.lens, 128, mixSeed(c.seed, 6)) {
		if b := c.mask(idx, rng); len(b.positions) > 0 {
			out = append(out, b)
		}
	}
	return out
}

// mlmStep returns the loss over the chosen tokens and how many of them the
// model predicted right.
func mlmStep(model *models.MiniBERT, b mlmBatch) (loss *tensor.Tensor, correct int) {
	logits := model.MaskedLogits(b.ids, b.positions)
	loss = nn.CrossEntropy(logits, b.targets, nn.CrossEntropyOptions{})
	pred, want := logits.Detach().Argmax(1).Data(), b.targets.Data()
	for i, p := range pred {
		if p == want[i] {
			correct++
		}
	}
	return loss, correct
}

// evaluateMLM returns the held-out loss (mean over the chosen tokens) and
// accuracy, in evaluation mode.
func evaluateMLM(model *models.MiniBERT, batches []mlmBatch) (loss, acc float64) {
	nn.Eval(model)
	defer nn.Train(model)
	var sum float64
	correct, count := 0, 0
	tensor.NoGrad(func() {
		for _, b := range batches {
			l, c := mlmStep(model, b)
			n := len(b.positions)
			sum += float64(l.Item()) * float64(n)
			correct += c
			count += n
		}
	})
	return sum / float64(max(count, 1)), float64(correct) / float64(max(count, 1))
}

type pretrainSummary struct {
	RunDir  string
	History []mlmPoint
}

func runPretrain(o pretrainOptions) (*pretrainSummary, error) {
	start := time.Now()
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.threads > 0 {
		kernels.SetThreads(o.threads)
	}
	runDir, err := resumeFolder(o.out, o.resume, pretrainCheckpoint)
	if err != nil {
		return nil, err
	}
	dataDir := data.DataDir(o.dataDir)
	sentences, heldOut, err := loadPretrainCorpus(dataDir, o.Limit, o.Maximal)
	if err != nil {
		return nil, err
	}
	wp, err := loadWordPiece(dataDir)
	if err != nil {
		return nil, err
	}
	if runDir, err = createRunFolder(runDir, "pretrain", o); err != nil {
		return nil, err
	}

	tok := wordPieceTokenizer{wp, o.MaxLen}
	corpus := newMLMCorpus(sentences, tok, o.Batch, o.Seed)
	evalSet := newMLMCorpus(heldOut, tok, 128, o.Seed).evalBatches()
	rng := tensor.NewRNG(o.Seed)
	model := models.NewMiniBERT(models.BERTConfig{VocabSize: wp.Size(), Hidden: o.Hidden, Layers: o.Layers, Heads: o.Heads,
		FF: o.FF, MaxLen: o.MaxLen, Dropout: o.Dropout, PadID: wp.PadID()}, rng)
	adam := optim.DefaultAdamWConfig()
	adam.LR, adam.WeightDecay = o.LR, o.WeightDecay
	params := trainableMLMParameters(model)
	opt := newWarmupLinear(optim.NewAdamW(params, adam), o.LR, int(o.Warmup*float64(o.Steps)), o.Steps)
	st := &pretrainState{model: model, opt: opt, rng: rng, path: filepath.Join(runDir, pretrainCheckpoint)}
	if o.resume != "" {
		if err := st.load(); err != nil {
			return nil, err
		}
	}
	fmt.Printf("pretrain: mini-BERT %d layers, width %d, %d heads (%d parameters), AdamW lr=%g, batch %d, %d steps (%.1f epochs of %d sentences), run %s\n",
		model.Config.Layers, model.Config.Hidden, model.Config.Heads, nn.NumParameters(model), o.LR, o.Batch, o.Steps,
		float64(o.Steps)/float64(corpus.stepsPerEpoch()), len(sentences), runDir)
	if st.step == 0 {
		l, a := evaluateMLM(model, evalSet)
		st.history = append(st.history, mlmPoint{Step: 0, TrainLoss: math.NaN(), TrainAcc: math.NaN(), EvalLoss: l, EvalAcc: a, LR: opt.LR()})
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var bar *progressbar.ProgressBar
	if !o.noProgress {
		bar = progressbar.NewOptions(o.Steps, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("step"), progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(24), progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription("MLM"))
		bar.Set(st.step)
	}
	nn.Train(model)
	segStart := time.Now()
	for st.step < o.Steps {
		if ctx.Err() != nil {
			st.seconds += time.Since(segStart).Seconds()
			if err := st.save(); err != nil {
				return nil, fmt.Errorf("interrupted, and saving the checkpoint failed: %w", err)
			}
			return nil, fmt.Errorf("interrupted: checkpoint saved; continue with: deepgo sentiment pretrain --resume %s", runDir)
		}
		b := corpus.at(st.step)
		loss, correct := mlmStep(model, b)
		opt.ZeroGrad()
		loss.Backward()
		if o.Clip > 0 {
			optim.ClipGradNorm(params, o.Clip)
		}
		opt.Step()
		lv := float64(loss.Item())
		if math.IsNaN(lv) || math.IsInf(lv, 0) {
			return nil, fmt.Errorf("pretrain: step %d: loss is %v; lower --lr", st.step+1, lv)
		}
		st.step++
		st.sum.Loss += lv * float64(len(b.positions))
		st.sum.Correct += correct
		st.sum.Count += len(b.positions)
		if bar != nil {
			if st.step%20 == 0 {
				bar.Describe(fmt.Sprintf("MLM loss %.3f", st.sum.Loss/float64(st.sum.Count)))
			}
			bar.Set(st.step)
		}
		if st.step%o.EvalEvery == 0 || st.step == o.Steps {
			st.seconds += time.Since(segStart).Seconds()
			segStart = time.Now()
			l, a := evaluateMLM(model, evalSet)
			p := mlmPoint{Step: st.step, TrainLoss: st.sum.Loss / float64(st.sum.Count), TrainAcc: float64(st.sum.Correct) / float64(st.sum.Count),
				EvalLoss: l, EvalAcc: a, LR: opt.LR(), Seconds: st.seconds}
			st.history, st.sum = append(st.history, p), mlmSums{}
			if bar != nil {
				bar.Clear()
			}
			fmt.Printf("step %5d  train loss %.4f  acc %.2f%%  held-out loss %.4f  acc %.2f%%  lr %.3g  %.0fs\n",
				p.Step, p.TrainLoss, 100*p.TrainAcc, p.EvalLoss, 100*p.EvalAcc, p.LR, p.Seconds)
			if err := writeMLMMetrics(runDir, st.history); err != nil {
				return nil, err
			}
			if err := st.save(); err != nil {
				return nil, err
			}
		}
	}
	if bar != nil {
		bar.Finish()
	}
	last := st.history[len(st.history)-1]
	if err := saveEncoder(filepath.Join(runDir, encoderFile), model, tok, last); err != nil {
		return nil, err
	}
	if err := mlmPictures(runDir, st.history); err != nil {
		return nil, err
	}
	wall := time.Since(start)
	if err := writePretrainReport(runDir, o, model, len(sentences), len(heldOut), st.history, wall); err != nil {
		return nil, err
	}
	fmt.Printf("done: held-out MLM loss %.4f, accuracy %.2f%%, %d steps, wall %.1fs, encoder %s\n",
		last.EvalLoss, 100*last.EvalAcc, last.Step, wall.Seconds(), filepath.Join(runDir, encoderFile))
	return &pretrainSummary{RunDir: runDir, History: st.history}, nil
}

// trainableMLMParameters leaves out the pooler and classifier, which the
// masked-language-model loss does not reach.
func trainableMLMParameters(m *models.MiniBERT) []*tensor.Tensor {
	skip := map[*tensor.Tensor]bool{}
	for _, p := range append(m.Pooler.NamedParameters(), m.Classifier.NamedParameters()...) {
		skip[p.Tensor] = true
	}
	var out []*tensor.Tensor
	for _, p := range nn.Parameters(m) {
		if !skip[p] {
			out = append(out, p)
		}
	}
	return out
}

// saveEncoder writes the embeddings, encoder and MLM head with the config
// and vocabulary that 'train --pretrained' rebuilds them from.
func saveEncoder(path string, m *models.MiniBERT, tok wordPieceTokenizer, last mlmPoint) error {
	sd := nn.StateDict(m)
	for name := range sd {
		if !strings.HasPrefix(name, "embeddings.") && !strings.HasPrefix(name, "encoder.") && !strings.HasPrefix(name, "mlm.") {
			delete(sd, name)
		}
	}
	cfg, _ := json.Marshal(m.Config) // plain numbers: cannot fail
	meta := map[string]string{
		metaArch: archMLM, metaConfig: string(cfg), metaMaxLen: strconv.Itoa(tok.maxLen),
		metaVocab: strings.Join(tok.tokens(), "\n"), "steps": strconv.Itoa(last.Step),
		"mlm_loss": fmt.Sprintf("%.4f", last.EvalLoss), "mlm_accuracy": fmt.Sprintf("%.4f", last.EvalAcc),
	}
	return checkpoint.Save(path, sd, meta)
}

const pretrainCheckpoint = "checkpoint.safetensors"

// mlmSums are the running training figures since the last evaluation.
type mlmSums struct {
	Loss    float64 `json:"loss"`
	Correct int     `json:"correct"`
	Count   int     `json:"count"`
}

// pretrainState is what the pre-training checkpoint holds: the model, the
// optimizer (with its schedule), the dropout generator, the step, the
// running sums, the time spent and the evaluations so far.
type pretrainState struct {
	model   *models.MiniBERT
	opt     optim.Optimizer
	rng     *tensor.RNG
	path    string
	step    int
	sum     mlmSums
	seconds float64
	history []mlmPoint
}

func (st *pretrainState) save() error {
	o := st.opt.StateDict()
	sums, _ := json.Marshal(st.sum) // plain numbers: cannot fail
	return checkpoint.SaveTraining(st.path, nn.StateDict(st.model), checkpoint.TrainState{
		Step: st.step, RNG: st.rng.State(),
		Optimizer: checkpoint.OptimizerState{Kind: o.Kind, Tensors: o.Tensors, Scalars: o.Scalars},
		Extra:     map[string]string{"history": mlmCSV(st.history), "sums": string(sums), "seconds": strconv.FormatFloat(st.seconds, 'g', -1, 64)},
	})
}

func (st *pretrainState) load() error {
	weights, ts, err := checkpoint.LoadTraining(st.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot resume: %w", err)
	}
	fail := func(err error) error { return fmt.Errorf("cannot resume from %s: %w", st.path, err) }
	if err := nn.LoadStateDict(st.model, weights, true); err != nil {
		return fail(err)
	}
	if err := st.opt.LoadStateDict(optim.State{Kind: ts.Optimizer.Kind, Tensors: ts.Optimizer.Tensors, Scalars: ts.Optimizer.Scalars}); err != nil {
		return fail(err)
	}
	if err := st.rng.SetState(ts.RNG); err != nil {
		return fail(err)
	}
	if st.history, err = parseMLMCSV(ts.Extra["history"]); err != nil {
		return fail(err)
	}
	if err := json.Unmarshal([]byte(ts.Extra["sums"]), &st.sum); err != nil {
		return fail(err)
	}
	if st.seconds, err = strconv.ParseFloat(ts.Extra["seconds"], 64); err != nil {
		return fail(err)
	}
	st.step = ts.Step
	return nil
}

// mlmCSV is the metrics.csv of the evaluations h: one row per
// evaluation, NaN (the training figures of step 0) as an empty cell. The
// checkpoint keeps the same text.
func mlmCSV(h []mlmPoint) string {
	var b strings.Builder
	b.WriteString(mlmHeader + "\n")
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, p := range h {
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%s\n", p.Step, f(p.TrainLoss), f(p.TrainAcc), f(p.EvalLoss), f(p.EvalAcc), f(p.LR), f(p.Seconds))
	}
	return b.String()
}

const mlmHeader = "step,train_loss,train_acc,eval_loss,eval_acc,lr,seconds"

// parseMLMCSV reads mlmCSV's text back.
func parseMLMCSV(s string) ([]mlmPoint, error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) == 0 || lines[0] != mlmHeader {
		return nil, errors.New("history: bad header")
	}
	var h []mlmPoint
	for i, line := range lines[1:] {
		cells := strings.Split(line, ",")
		if len(cells) != 7 {
			return nil, fmt.Errorf("history row %d: %d cells, want 7", i+1, len(cells))
		}
		v := make([]float64, 7)
		for j, c := range cells {
			if c == "" {
				v[j] = math.NaN()
				continue
			}
			x, err := strconv.ParseFloat(c, 64)
			if err != nil {
				return nil, fmt.Errorf("history row %d: %w", i+1, err)
			}
			v[j] = x
		}
		h = append(h, mlmPoint{int(v[0]), v[1], v[2], v[3], v[4], v[5], v[6]})
	}
	return h, nil
}

// writeMLMMetrics rewrites metrics.csv from the evaluations so far,
// through a temporary file and a rename.
func writeMLMMetrics(dir string, h []mlmPoint) error {
	path := filepath.Join(dir, "metrics.csv")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(mlmCSV(h)), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// mlmPictures draws the masked-token loss and accuracy per step.
func mlmPictures(dir string, h []mlmPoint) error {
	var step, trL, evL, trA, evA []float64
	for _, p := range h {
		step = append(step, float64(p.Step))
		trL, evL = append(trL, p.TrainLoss), append(evL, p.EvalLoss)
		trA, evA = append(trA, 100*p.TrainAcc), append(evA, 100*p.EvalAcc)
	}
	if err := viz.LinePlot(filepath.Join(dir, "mlm-loss.png"), "Masked-LM loss (masked tokens)", "step", "cross-entropy",
		viz.Series{Name: "train", X: step, Y: trL}, viz.Series{Name: "held out (SST-2 dev)", X: step, Y: evL}); err != nil {
		return err
	}
	return viz.LinePlot(filepath.Join(dir, "mlm-accuracy.png"), "Masked-LM accuracy (masked tokens)", "step", "accuracy (%)",
		viz.Series{Name: "train", X: step, Y: trA}, viz.Series{Name: "held out (SST-2 dev)", X: step, Y: evA})
}

func writePretrainReport(dir string, o pretrainOptions, m *models.MiniBERT, sentences, heldOut int, h []mlmPoint, wall time.Duration) error {
	last := h[len(h)-1]
	var b strings.Builder
	b.WriteString("# Mini-BERT masked-language-model pre-training\n\n")
	c := m.Config
	fmt.Fprintf(&b, "- model: %d layers, width %d, %d heads, ff %d, %d positions, %d WordPiece tokens, dropout %g (%d parameters)\n",
		c.Layers, c.Hidden, c.Heads, c.FF, c.MaxLen, c.VocabSize, c.Dropout, nn.NumParameters(m))
	phrases := "all phrases"
	if o.Maximal {
		phrases = "maximal phrases"
	}
	fmt.Fprintf(&b, "- data: %d sentences (SST-2 train, %s, + UCI labelled sentences), %d held out (SST-2 dev); 15%% of the tokens chosen, 80/10/10\n", sentences, phrases, heldOut)
	fmt.Fprintf(&b, "- training: AdamW lr=%g weight decay=%g, warm-up %.0f%% then linear decay, clip %g, batch %d, %d steps, seed %d\n",
		o.LR, o.WeightDecay, 100*o.Warmup, o.Clip, o.Batch, last.Step, o.Seed)
	fmt.Fprintf(&b, "- held-out masked-token loss **%.4f**, accuracy **%.2f%%** (step 0: %.4f, %.2f%%)\n",
		last.EvalLoss, 100*last.EvalAcc, h[0].EvalLoss, 100*h[0].EvalAcc)
	fmt.Fprintf(&b, "- time: %.0f s training, %.0f s for the whole command\n\n", last.Seconds, wall.Seconds())
	b.WriteString("| step | train loss | train acc | held-out loss | held-out acc | lr |\n|---:|---:|---:|---:|---:|---:|\n")
	cell := func(v float64, format string) string { // step 0 has no training figures
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf(format, v)
	}
	for _, p := range h {
		fmt.Fprintf(&b, "| %d | %s | %s | %.4f | %.2f%% | %.3g |\n", p.Step, cell(p.TrainLoss, "%.4f"), cell(100*p.TrainAcc, "%.2f%%"), p.EvalLoss, 100*p.EvalAcc, p.LR)
	}
	b.WriteString("\nPictures: mlm-loss.png, mlm-accuracy.png. Encoder: encoder.safetensors (for `deepgo sentiment train --model bert --pretrained`).\n")
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(b.String()), 0o644)
}

func pretrainSteps(o *pretrainOptions) *int { return &o.Steps }
