package main

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/internal/datatest"
)

// TestMain lets the test binary act as the deepgo command, so that a test
// can run it in a child process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("DEEPGO_TEST_AS_MAIN") == "1" {
		os.Args = append([]string{"deepgo"}, strings.Fields(os.Getenv("DEEPGO_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func deepgoChild(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DEEPGO_TEST_AS_MAIN=1", "DEEPGO_TEST_ARGS="+strings.Join(args, " "))
	return cmd
}

// metricsRows returns metrics.csv's epoch rows without the seconds column.
func metricsRows(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		return nil
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		rows = append(rows, line[:strings.LastIndexByte(line, ',')])
	}
	return rows
}

// A run killed with SIGKILL in epoch 6 and resumed ends with exactly the
// metrics of an uninterrupted run with the same seed.
func TestMNISTKilledAndResumedMatchesUninterrupted(t *testing.T) {
	dataDir := datatest.Dir(t)
	common := []string{"mnist", "--data-dir", dataDir, "--limit", "3000", "--epochs", "8", "--lr", "0.1", "--seed", "5", "--no-progress", "--threads", "1"}

	full := t.TempDir()
	if out, err := deepgoChild(append(common, "--out", full)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want := metricsRows(t, full)
	if len(want) != 8 {
		t.Fatalf("uninterrupted run wrote %d epochs", len(want))
	}

	dir := t.TempDir()
	child := deepgoChild(append(common, "--out", dir)...)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for len(metricsRows(t, dir)) < 5 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if n := len(metricsRows(t, dir)); n < 5 || n >= 8 {
		t.Fatalf("killed after %d epochs; want it killed in epoch 6-8", n)
	}
	// The run folder remembers its options: --resume needs no other flag.
	if out, err := deepgoChild("mnist", "--resume", dir, "--data-dir", dataDir, "--no-progress").CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	got := metricsRows(t, dir)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("resumed metrics differ:\n%s\nuninterrupted:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range []string{"loss.png", "accuracy.png", "confusion.png", "weights.png", "model.safetensors", "report.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}

	// predict classifies the first test digit (a 7), drawn dark on light
	// as a user would, with the trained model.
	pngPath := firstTestDigitPNG(t, dataDir, true)
	out, err := deepgoChild("predict", "--model", filepath.Join(dir, "model.safetensors"), pngPath).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), pngPath+": 7 (") || strings.Count(string(out), "%") != 11 {
		t.Fatalf("predict: %v\n%s", err, out)
	}
}

// firstTestDigitPNG writes the first MNIST test digit (a 7) as a PNG,
// dark on light as a user would draw it when darkOnLight, and returns the
// file's path.
func firstTestDigitPNG(t *testing.T, dataDir string, darkOnLight bool) string {
	t.Helper()
	test, err := data.LoadMNIST(filepath.Join(dataDir, "mnist"), false)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := test.Get(0)
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i, v := range x.Data() {
		if darkOnLight {
			v = 1 - v
		}
		img.Pix[i] = uint8(255 * v)
	}
	path := filepath.Join(t.TempDir(), "seven.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMNISTBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"mnist", "--optimizer", "lbfgs"},
		{"mnist", "--hidden", "64,x"},
		{"mnist", "--dataset", "cifar"},
		{"mnist", "--resume", "/nonexistent/run"},
		{"predict", "--model", "/nonexistent/model.safetensors", "x.png"},
		{"cifar", "--model", "4"},
		{"cifar", "--schedule", "sometimes"},
	} {
		out, err := deepgoChild(args...).CombinedOutput()
		if err == nil {
			t.Errorf("%v: exit status 0", args)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "deepgo: ") || strings.Contains(string(out), "goroutine") {
			t.Errorf("%v: want one 'deepgo: ...' line, got:\n%s", args, out)
		}
	}
}

// --model lenet trains the CNN, draws its filters, feature maps and channel
// similarities, and predict reads the model back.
func TestMNISTLeNetRunAndPredict(t *testing.T) {
	dataDir := datatest.Dir(t)
	datatest.Dataset(t, "mnist")
	dir := t.TempDir()
	sum, err := runMNIST(mnistOptions{Dataset: "mnist", Model: "lenet", Hidden: "64,32", Optimizer: "adam", LR: 1e-3,
		Epochs: 2, Batch: 64, Seed: 1, Limit: 6000, dataDir: dataDir, out: dir, noProgress: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.TestAcc < 0.85 {
		t.Errorf("LeNet after two epochs on 6000 digits: test accuracy %.2f%%, want >= 85%%", 100*sum.TestAcc)
	}
	for _, f := range []string{"loss.png", "confusion.png", "filters.png", "feature-maps.png", "channels.png", "model.safetensors", "report.md"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("run folder lacks %s", f)
		}
	}
	pngPath := firstTestDigitPNG(t, dataDir, false)
	out, err := deepgoChild("predict", "--model", filepath.Join(dir, "model.safetensors"), pngPath).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), pngPath+": 7 (") {
		t.Fatalf("predict with LeNet: %v\n%s", err, out)
	}
}
