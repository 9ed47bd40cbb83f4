package data

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Where EnsureCIFAR10 fetches the binary archive, and the SHA-256 of the
// archive's bytes as downloaded (not of its decompressed content). The
// value matches the one used by TensorFlow Datasets scripts, GoMLX and
// torch.rb, recorded there with the page's MD5 c32a1d4ab5d03f1284b67883e8d87530
// and the size 170,052,171 bytes. Replace URL to use a local mirror; tests
// replace both.
var (
	CIFAR10URL    = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	CIFAR10SHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
)

// cifarArchiveDir is the folder the archive unpacks into.
const cifarArchiveDir = "cifar-10-batches-bin"

// EnsureCIFAR10 returns a folder holding the original CIFAR-10 binary files
// (data_batch_1.bin … data_batch_5.bin and test_batch.bin), ready for
// LoadCIFAR10. It looks in dir and its subfolders as LoadCIFAR10 does; otherwise it
// downloads CIFAR10URL (163 MB), checks its SHA-256 against CIFAR10SHA256,
// and extracts the archive's regular files into dir/cifar-10-batches-bin.
// Progress lines go to progress when it is not nil.
//
// It does not return the JPEG-derived files of shared/datasets/cifar10-jpeg;
// LoadCIFAR10 falls back to those by itself.
func EnsureCIFAR10(dir string, progress io.Writer) (string, error) {
	return EnsureCIFAR10Context(context.Background(), dir, progress)
}

// EnsureCIFAR10Context is EnsureCIFAR10 with a context that can cancel the
// download.
func EnsureCIFAR10Context(ctx context.Context, dir string, progress io.Writer) (string, error) {
	all := append(append([]string(nil), cifarTrainFiles...), cifarTestFiles...)
	if f := findCIFARFiles(dir, all); f != "" {
		return f, nil
	}
	if progress != nil {
		fmt.Fprintf(progress, "downloading %s\n", CIFAR10URL)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("data: CIFAR-10: %w", err)
	}
	archive, err := os.CreateTemp(dir, ".cifar-10-binary.tar.gz.part-*")
	if err != nil {
		return "", fmt.Errorf("data: CIFAR-10: %w", err)
	}
	defer func() {
		archive.Close()
		os.Remove(archive.Name())
	}()
	if err := fetchVerified(ctx, CIFAR10URL, CIFAR10SHA256, archive, progress); err != nil {
		return "", fmt.Errorf("data: could not get CIFAR-10: %w. Download %s yourself and unpack it into %s", err, CIFAR10URL, dir)
	}
	if _, err := archive.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("data: CIFAR-10: %w", err)
	}
	folder := filepath.Join(dir, cifarArchiveDir)
	if err := extractTarGz(archive, folder); err != nil {
		return "", fmt.Errorf("data: CIFAR-10: %s: %w", CIFAR10URL, err)
	}
	for _, n := range all {
		if _, err := os.Stat(filepath.Join(folder, n)); err != nil {
			return "", fmt.Errorf("data: CIFAR-10: the archive %s has no %s", CIFAR10URL, n)
		}
	}
	return folder, nil
}

// fetchVerified copies url into w and checks the SHA-256 of the bytes as
// sent.
func fetchVerified(ctx context.Context, url, want string, w io.Writer, progress io.Writer) error {
	want = strings.ToLower(want)
	if _, err := hex.DecodeString(want); err != nil || len(want) != 2*sha256.Size {
		return fmt.Errorf("download %s: %q is not a SHA-256 in hex", url, want)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	resp, err := downloadClient.Do(req)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: HTTP %s", url, resp.Status)
	}
	var body io.Reader = resp.Body
	if progress != nil {
		pr := &progressReader{r: resp.Body, w: progress, name: path.Base(url), total: resp.ContentLength, start: time.Now()}
		defer pr.finish()
		body = pr
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), body)
	if err != nil {
		return fmt.Errorf("download %s: %w after %d bytes", url, err, n)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fmt.Errorf("download %s: truncated: got %d of %d bytes", url, n, resp.ContentLength)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("checksum mismatch for %s: got %s, want %s", url, got, want)
	}
	return nil
}

// extractTarGz writes the regular files of a .tar.gz into folder, flat: each
// under its base name, so that no entry (../x, /etc/x) can escape folder.
// Each file is written to a temporary name and renamed when complete.
func extractTarGz(r io.Reader, folder string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return gzipErr(err)
	}
	defer zr.Close()
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Base(h.Name)
		if name == "." || name == "/" || name == ".." || strings.HasPrefix(name, ".") {
			continue
		}
		if err := writeAtomic(filepath.Join(folder, name), tr); err != nil {
			return fmt.Errorf("extracting %s: %w", h.Name, err)
		}
	}
}

func writeAtomic(dest string, r io.Reader) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".part-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}
