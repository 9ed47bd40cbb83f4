package data

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Mirrors tried in turn by EnsureMNIST; a file's URL is mirror + file name.
// Replace them to use a local mirror; the checksums still apply.
var (
	MNISTMirrors = []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
	}
	FashionMNISTMirrors = []string{
		"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
	}
)

// downloadClient bounds a stalled transfer; the largest file (Fashion-MNIST
// train images, 26 MB) takes seconds on any working link.
var downloadClient = &http.Client{Timeout: 10 * time.Minute}

// Download fetches url into dest after checking that its content has the
// SHA-256 sha256hex. The content of a gzip file is its decompressed bytes, so
// a re-compressed copy (Debian's Fashion-MNIST) passes as well as the
// original; any other file is hashed as it is. See ContentSHA256.
//
// The file is written atomically: to a temporary file in dest's directory,
// synced, checked, then renamed over dest. On any failure (HTTP status,
// fewer bytes than Content-Length, corrupt gzip, checksum mismatch) nothing
// is left behind and the error says so.
func Download(ctx context.Context, url, dest, sha256hex string) error {
	return download(ctx, url, dest, sha256hex, nil)
}

func download(ctx context.Context, url, dest, want string, progress io.Writer) (err error) {
	want = strings.ToLower(want)
	if _, herr := hex.DecodeString(want); herr != nil || len(want) != 2*sha256.Size {
		return fmt.Errorf("data: download %s: %q is not a SHA-256 in hex", url, want)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	resp, err := downloadClient.Do(req)
	if err != nil {
		return fmt.Errorf("data: download: %w", err) // the error names the URL
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("data: download %s: HTTP %s", url, resp.Status)
	}

	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".part-*")
	if err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("%w; the file was not saved", err)
		}
	}()

	var body io.Reader = resp.Body
	if progress != nil {
		pr := &progressReader{r: resp.Body, w: progress, name: filepath.Base(dest), total: resp.ContentLength, start: time.Now()}
		defer pr.finish()
		body = pr
	}
	n, err := io.Copy(tmp, body)
	if errors.Is(err, io.ErrUnexpectedEOF) && resp.ContentLength >= 0 {
		return fmt.Errorf("data: download %s: truncated: got %d of %d bytes", url, n, resp.ContentLength)
	}
	if err != nil {
		return fmt.Errorf("data: download %s: %w after %d bytes", url, err, n)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fmt.Errorf("data: download %s: truncated: got %d of %d bytes", url, n, resp.ContentLength)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	got, err := ContentSHA256(tmp)
	if err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	if got != want {
		return fmt.Errorf("data: checksum mismatch for %s: got %s, want %s", url, got, want)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("data: download %s: %w", url, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable; not every system can sync a directory,
// and the file itself is already synced, so failures are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// ContentSHA256 returns the hex SHA-256 of r's content: of the decompressed
// bytes when r holds gzip data (told by its magic bytes), else of r's bytes.
// It is the checksum Download and EnsureMNIST verify, and the one the
// PROVENANCE files list as "sha256 of the decompressed content". Corrupt or
// truncated gzip data is an error.
func ContentSHA256(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", gzipErr(err)
		}
		defer zr.Close()
		src = zr
	}
	h := sha256.New()
	if _, err := io.Copy(h, src); err != nil {
		return "", gzipErr(err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func gzipErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("truncated gzip data: %w", err)
	}
	return fmt.Errorf("corrupt gzip data: %w", err)
}

// EnsureMNIST returns a folder holding the four files of kind ("mnist" or
// "fashion"), ready for LoadMNIST or LoadFashionMNIST. It looks in the data
// directory dir (dir/mnist or dir/fashion-mnist, then dir itself), then, for
// MNIST, in the GoMNIST module (see GoMNISTDir), and otherwise downloads the
// missing files into dir/<kind> from MNISTMirrors or FashionMNISTMirrors,
// trying each mirror in turn and verifying every file's checksum. Progress
// lines go to progress when it is not nil.
//
// When everything fails the error lists what each mirror answered and says
// which files to put where.
func EnsureMNIST(dir, kind string, progress io.Writer) (string, error) {
	return EnsureMNISTContext(context.Background(), dir, kind, progress)
}

// EnsureMNISTContext is EnsureMNIST with a context that can cancel downloads.
func EnsureMNISTContext(ctx context.Context, dir, kind string, progress io.Writer) (string, error) {
	s, err := setFor(kind)
	if err != nil {
		return "", err
	}
	if folder, _ := findLocal(s, dir); folder != "" {
		return folder, nil
	}
	if s == mnistSet {
		if g, err := GoMNISTDir(); err == nil {
			if progress != nil {
				fmt.Fprintf(progress, "using MNIST from the GoMNIST module: %s\n", g)
			}
			return g, nil
		}
	}

	folder := filepath.Join(dir, s.sub)
	mirrors := *s.mirrors
	var failures []string
	for _, f := range s.files {
		if _, err := s.path(folder, f.name); err == nil {
			continue
		}
		var tries []string
		ok := false
		for _, m := range mirrors {
			url := strings.TrimSuffix(m, "/") + "/" + f.name
			if progress != nil {
				fmt.Fprintf(progress, "downloading %s\n", url)
			}
			err := download(ctx, url, filepath.Join(folder, f.name), f.sha256, progress)
			if err == nil {
				ok = true
				break
			}
			if progress != nil {
				fmt.Fprintf(progress, "  failed: %v\n", err)
			}
			tries = append(tries, strings.TrimPrefix(err.Error(), "data: "))
			if ctx.Err() != nil {
				break
			}
		}
		if !ok {
			if len(mirrors) == 0 {
				tries = append(tries, "no mirrors configured")
			}
			failures = append(failures, fmt.Sprintf("%s (%s)", f.name, strings.Join(tries, "; ")))
		}
	}
	if len(failures) > 0 {
		src := ""
		if len(mirrors) > 0 {
			src = ", from " + mirrors[0]
		}
		return "", fmt.Errorf("data: could not get %s: %s. Put the files %s (gzipped IDX%s) into %s, or point --data-dir or $%s at a folder whose %s/ subfolder holds them",
			s.name, strings.Join(failures, "; "), s.fileList(), src, folder, EnvDataDir, s.sub)
	}
	return folder, nil
}

// progressReader prints a one-line progress report with rate and ETA, at
// most four times a second.
type progressReader struct {
	r     io.Reader
	w     io.Writer
	name  string
	total int64 // -1 when unknown
	n     int64
	start time.Time
	last  time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	k, err := p.r.Read(b)
	p.n += int64(k)
	if now := time.Now(); now.Sub(p.last) >= 250*time.Millisecond {
		p.last = now
		p.print(now)
	}
	return k, err
}

func (p *progressReader) print(now time.Time) {
	secs := now.Sub(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.n) / secs
	}
	const mib = 1 << 20
	if p.total > 0 {
		eta := "?"
		if rate > 0 {
			eta = time.Duration(float64(p.total-p.n) / rate * float64(time.Second)).Round(time.Second).String()
		}
		fmt.Fprintf(p.w, "\r  %s: %5.1f%% of %.1f MiB, %.1f MiB/s, ETA %s ", p.name,
			100*float64(p.n)/float64(p.total), float64(p.total)/mib, rate/mib, eta)
		return
	}
	fmt.Fprintf(p.w, "\r  %s: %.1f MiB, %.1f MiB/s ", p.name, float64(p.n)/mib, rate/mib)
}

func (p *progressReader) finish() {
	p.print(time.Now())
	fmt.Fprintln(p.w)
}
