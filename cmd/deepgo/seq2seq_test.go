package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/tensor"
)

// Held-out sources never appear in the training set, no source repeats,
// and the same seed draws the same sets.
func TestSplitDatesDisjoint(t *testing.T) {
	s, err := splitDates(3000, 400, 400, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.train) != 3000 || len(s.val) != 400 || len(s.test) != 400 {
		t.Fatalf("sizes %d/%d/%d", len(s.train), len(s.val), len(s.test))
	}
	seen := map[string]string{}
	check := func(name string, src string) {
		if prev, ok := seen[src]; ok {
			t.Fatalf("%q is in the %s set and the %s set", src, prev, name)
		}
		seen[src] = name
	}
	for _, p := range s.train {
		check("training", p.Src)
	}
	for _, p := range s.val {
		check("validation", p.Src)
	}
	for _, p := range s.test {
		check("test", p.Src)
	}
	again, _ := splitDates(3000, 400, 400, 3)
	if again.test[17] != s.test[17] || again.train[2999] != s.train[2999] {
		t.Error("same seed, different sets")
	}
	other, _ := splitDates(3000, 400, 400, 4)
	if other.test[0] == s.test[0] && other.test[1] == s.test[1] {
		t.Error("different seeds, same test set")
	}
}

// The learning rate rises linearly to the peak over the warm-up, then
// falls along a cosine to 0 at the last step; a restored optimizer
// continues on the curve.
func TestWarmupSchedule(t *testing.T) {
	p := tensor.Zeros(3).SetRequiresGrad(true)
	w := newWarmupAdam([]*tensor.Tensor{p}, 1e-3, 10, 110, true)
	for _, c := range []struct {
		step int
		want float64
	}{{1, 1e-4}, {5, 5e-4}, {10, 1e-3}, {60, 5e-4}, {110, 0}} {
		if got := w.lrAt(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("lr at step %d = %g, want %g", c.step, got, c.want)
		}
	}
	for i := 0; i < 7; i++ {
		p.Grad = tensor.Full(1, 3)
		w.Step()
	}
	if math.Abs(w.LR()-7e-4) > 1e-12 {
		t.Fatalf("after 7 steps lr %g, want 7e-4", w.LR())
	}
	restored := newWarmupAdam([]*tensor.Tensor{p}, 1e-3, 10, 110, true)
	if err := restored.LoadStateDict(w.StateDict()); err != nil {
		t.Fatal(err)
	}
	p.Grad = tensor.Full(1, 3)
	restored.Step()
	if math.Abs(restored.LR()-8e-4) > 1e-12 {
		t.Fatalf("restored optimizer's next step has lr %g, want 8e-4", restored.LR())
	}
	constant := newWarmupAdam([]*tensor.Tensor{p}, 1e-3, 10, 110, false)
	if constant.lrAt(100) != 1e-3 {
		t.Errorf("constant schedule: lr %g at step 100", constant.lrAt(100))
	}
}

// tinySeq2Seq are the options of a run that takes well under a second.
func tinySeq2Seq(dir string, out *bytes.Buffer) seq2seqOptions {
	o := defaultSeq2SeqOptions()
	o.Train, o.Val, o.Test = 300, 40, 40
	o.DModel, o.Heads, o.Layers, o.FF = 16, 2, 1, 32
	o.Epochs, o.Batch, o.Warmup = 1, 32, 5
	o.out, o.noProgress, o.stdout = dir, true, out
	return o
}

// A tiny run writes the whole run folder; --resume extends it; translate
// reads its model and rejects bad input.
func TestSeq2SeqCommandRunResumeTranslate(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	o := tinySeq2Seq(dir, &log)
	sum, err := runSeq2Seq(o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if sum.Epochs != 1 || !(sum.TestExact >= 0 && sum.TestExact <= 1) || !(sum.TestToken > 0 && sum.TestToken <= 1) {
		t.Fatalf("summary %+v", sum)
	}
	for _, f := range []string{"options.json", "metrics.csv", validationFile, "loss.png", "accuracy.png", "attention.png",
		"attention-heads.png", "model.safetensors", "checkpoint.safetensors", "report.md"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("run folder: %s missing or empty (%v)", f, err)
		}
	}
	for _, want := range []string{"validation: token accuracy", "test: exact match", "done:"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	report, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, want := range []string{"test exact match (greedy)", "Example translations", "| 1 |", "attention.png"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report.md lacks %q:\n%s", want, report)
		}
	}
	_, meta, err := checkpoint.Load(filepath.Join(dir, "model.safetensors"))
	if err != nil || meta["arch"] != seq2seqArch || meta["src_chars"] != dateSrcChars || meta["d_model"] != "16" {
		t.Fatalf("model metadata %v (%v)", meta, err)
	}

	// Resume with more epochs: the saved options come back, the logs grow.
	resume := seq2seqOptions{resume: dir, Epochs: 2, noProgress: true, stdout: &log}
	if err := loadRunOptions(resume.resume, &resume, true, seq2seqEpochs); err != nil {
		t.Fatal(err)
	}
	if _, err := runSeq2Seq(resume); err != nil {
		t.Fatalf("resume: %v\n%s", err, log.String())
	}
	for _, f := range []string{"metrics.csv", validationFile} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if rows := strings.Count(strings.TrimSpace(string(b)), "\n"); rows != 2 {
			t.Errorf("%s after resuming to 2 epochs: %d rows\n%s", f, rows, b)
		}
	}

	model := filepath.Join(dir, "model.safetensors")
	var out bytes.Buffer
	if err := runTranslate(&out, model, 1, []string{"March 5, 1996", " 5/3/96 "}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "March 5, 1996 → ") {
		t.Fatalf("translate printed %q", out.String())
	}
	for _, l := range lines { // an untrained model still writes only ISO characters
		res := l[strings.Index(l, "→ ")+len("→ "):]
		if strings.Trim(res, dateTgtChars) != "" || len(res) > isoLen+1 {
			t.Errorf("translation %q: not made of %q", res, dateTgtChars)
		}
	}
	out.Reset()
	if err := runTranslate(&out, model, 3, []string{"march 5, 1996"}); err != nil || !strings.Contains(out.String(), "→") {
		t.Fatalf("beam 3: %v %q", err, out.String())
	}
	for _, c := range []struct {
		path, text, want string
	}{
		{model, "march 5, 1996!", `'!'`},
		{model, "   ", "empty"},
		{model, strings.Repeat("march ", 10), "too long"},
		{filepath.Join(dir, "missing.safetensors"), "march 5, 1996", "missing.safetensors"},
		{filepath.Join(dir, "report.md"), "march 5, 1996", "report.md"},
		{filepath.Join(dir, "checkpoint.safetensors"), "march 5, 1996", "not a model written by deepgo seq2seq"},
	} {
		err := runTranslate(&out, c.path, 1, []string{c.text})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("translate %q with %s: error %v, want one containing %q", c.text, filepath.Base(c.path), err, c.want)
		}
	}
}

// Bad flags are usage errors, found before any work.
func TestSeq2SeqUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--heads", "3"},
		{"--schedule", "linear"},
		{"--epochs", "0"},
		{"--dropout", "1"},
		{"translate", "march 5, 1996"},
		{"translate", "--model", "m.safetensors", "--beam", "0", "x"},
	} {
		cmd := seq2seqCommand()
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		var ue usageError
		if err := cmd.Execute(); !errors.As(err, &ue) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
}
