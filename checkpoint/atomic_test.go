package checkpoint

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// TestFailedWriteKeepsOldFile interrupts a write half-way (as a full disk
// would) and checks that the previous checkpoint is untouched and that no
// temporary file is left behind.
func TestFailedWriteKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := Save(path, map[string]*tensor.Tensor{"w": tensor.Ones(3)}, map[string]string{"v": "old"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	errDiskFull := errors.New("no space left on device")
	err := writeAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half a new checkpoint"))
		return errDiskFull
	})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("got %v, want the writer's error", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Fatal("the old file changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the old file: %v", len(entries), entries)
	}
	if _, meta, err := Load(path); err != nil || meta["v"] != "old" {
		t.Fatalf("old file no longer loads: %v %v", meta, err)
	}
}

func TestSaveReplacesAndSetsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	for _, v := range []string{"1", "2"} {
		if err := Save(path, nil, map[string]string{"v": v}); err != nil {
			t.Fatal(err)
		}
	}
	_, meta, err := Load(path)
	if err != nil || meta["v"] != "2" {
		t.Fatalf("got %v %v, want the second save", meta, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestSaveIntoMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "m.safetensors")
	err := Save(path, map[string]*tensor.Tensor{"w": tensor.Ones(1)}, nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
}

// TestSaveIntoReadOnlyDirectory is the same failure from the file system's
// side. Root ignores permissions, so there the test has nothing to show.
func TestSaveIntoReadOnlyDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := Save(path, map[string]*tensor.Tensor{"w": tensor.Ones(1)}, map[string]string{"v": "old"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("the directory is still writable (running as root?)")
	}
	err := Save(path, map[string]*tensor.Tensor{"w": tensor.Zeros(1)}, map[string]string{"v": "new"})
	if !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want a permission error naming the file", err)
	}
	if _, meta, err := Load(path); err != nil || meta["v"] != "old" {
		t.Fatalf("old file: %v %v", meta, err)
	}
}
