package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// fileServer serves files by path, records every request, and misbehaves
// on request: /404/... answers 404, /cut/... sends half of what its
// Content-Length promises, /chunked-cut/... sends half without a length.
type fileServer struct {
	*httptest.Server
	files map[string][]byte
	mu    sync.Mutex
	hits  []string
}

func newFileServer(t *testing.T, files map[string][]byte) *fileServer {
	fs := &fileServer{files: files}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.hits = append(fs.hits, r.URL.Path)
		fs.mu.Unlock()
		mode, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		b, ok := fs.files[name]
		if !ok || mode == "404" {
			http.NotFound(w, r)
			return
		}
		switch mode {
		case "cut":
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b[:len(b)/2])
		case "chunked-cut":
			w.Write(b[:len(b)/2])
		default:
			w.Write(b)
		}
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) requests() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]string(nil), fs.hits...)
}

// onlyFiles lists dir's entries, to prove nothing else (no temporary file)
// was left there.
func onlyFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestDownload(t *testing.T) {
	content := bytes.Repeat([]byte("deepgo MNIST stand-in "), 500)
	gz := gzipBytes(content)
	// The same content compressed differently, as Debian did to Fashion-MNIST.
	var regz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&regz, gzip.BestSpeed)
	zw.Name = "different header"
	zw.Write(content)
	zw.Close()
	other := gzipBytes(append(bytes.Clone(content), '!'))
	srv := newFileServer(t, map[string][]byte{"f.gz": gz, "regz.gz": regz.Bytes(), "other.gz": other, "plain.txt": content})
	ctx := context.Background()
	want := sha(content)

	t.Run("good", func(t *testing.T) {
		dir := t.TempDir()
		dest := filepath.Join(dir, "sub", "f.gz") // the folder is created
		if err := Download(ctx, srv.URL+"/ok/f.gz", dest, want); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(dest)
		if err != nil || !bytes.Equal(got, gz) {
			t.Fatalf("saved %d bytes, %v", len(got), err)
		}
		if names := onlyFiles(t, filepath.Join(dir, "sub")); len(names) != 1 {
			t.Fatalf("left %v", names)
		}
	})
	t.Run("re-gzipped content passes", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "f.gz")
		if err := Download(ctx, srv.URL+"/ok/regz.gz", dest, strings.ToUpper(want)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("plain file hashed as is", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "plain.txt")
		if err := Download(ctx, srv.URL+"/ok/plain.txt", dest, want); err != nil {
			t.Fatal(err)
		}
	})

	bad := []struct {
		name, url, sha string
		want           []string
	}{
		{"checksum", "/ok/other.gz", want, []string{"data: checksum mismatch for " + srv.URL + "/ok/other.gz: got " + sha(append(bytes.Clone(content), '!')) + ", want " + want + "; the file was not saved"}},
		{"404", "/404/f.gz", want, []string{"HTTP 404 Not Found", srv.URL + "/404/f.gz"}},
		{"cut", "/cut/f.gz", want, []string{"truncated: got " + strconv.Itoa(len(gz)/2) + " of " + strconv.Itoa(len(gz)) + " bytes; the file was not saved"}},
		{"cut without length", "/chunked-cut/f.gz", want, []string{"truncated gzip data", "the file was not saved"}},
		{"bad sha", "/ok/f.gz", "abc", []string{`"abc" is not a SHA-256 in hex`}},
		{"no server", "http://127.0.0.1:1/f.gz", want, []string{"127.0.0.1:1"}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			dest := filepath.Join(dir, "f.gz")
			old := []byte("the previous file")
			os.WriteFile(dest, old, 0o644)
			url := c.url
			if !strings.HasPrefix(url, "http") {
				url = srv.URL + url
			}
			err := Download(ctx, url, dest, c.sha)
			mustContain(t, err, c.want...)
			// The previous file is untouched and no temporary file is left.
			if got, _ := os.ReadFile(dest); !bytes.Equal(got, old) {
				t.Errorf("dest changed to %d bytes", len(got))
			}
			if names := onlyFiles(t, dir); len(names) != 1 {
				t.Errorf("left %v", names)
			}
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := Download(cctx, srv.URL+"/ok/f.gz", filepath.Join(t.TempDir(), "f.gz"), want)
		mustContain(t, err, "context canceled")
	})
}

func TestContentSHA256(t *testing.T) {
	content := []byte("hello, IDX")
	for _, b := range [][]byte{content, gzipBytes(content)} {
		if got, err := ContentSHA256(bytes.NewReader(b)); err != nil || got != sha(content) {
			t.Fatalf("got %s, %v", got, err)
		}
	}
	gz := gzipBytes(content)
	gz[len(gz)-8] ^= 1
	_, err := ContentSHA256(bytes.NewReader(gz))
	mustContain(t, err, "corrupt gzip data")
}

// withFakeSets points both datasets at fake content and the given mirrors,
// and hides any GoMNIST module, for the duration of the test.
func withFakeSets(t *testing.T, mirrors []string) (files map[string][]byte) {
	t.Helper()
	saved := [2][4]idxFile{mnistSet.files, fashionSet.files}
	savedM, savedF := MNISTMirrors, FashionMNISTMirrors
	t.Cleanup(func() {
		mnistSet.files, fashionSet.files = saved[0], saved[1]
		MNISTMirrors, FashionMNISTMirrors = savedM, savedF
	})
	MNISTMirrors, FashionMNISTMirrors = mirrors, mirrors
	t.Setenv("GOMODCACHE", t.TempDir())

	ti, tl := fakeMNIST(4, 28, 28)
	vi, vl := fakeMNIST(3, 28, 28)
	files = map[string][]byte{}
	for k, raw := range [][]byte{ti, tl, vi, vl} {
		name := saved[0][k].name
		files[name] = gzipBytes(raw)
		mnistSet.files[k].sha256 = sha(raw)
		fashionSet.files[k].sha256 = sha(raw)
	}
	return files
}

func TestEnsureMNISTDownloads(t *testing.T) {
	srv := newFileServer(t, nil)
	srv.files = withFakeSets(t, []string{srv.URL + "/404/", srv.URL + "/ok"}) // with and without the slash
	for _, kind := range []string{"mnist", "fashion"} {
		dir := t.TempDir()
		var progress bytes.Buffer
		folder, err := EnsureMNIST(dir, kind, &progress)
		if err != nil {
			t.Fatal(err)
		}
		sub := map[string]string{"mnist": "mnist", "fashion": "fashion-mnist"}[kind]
		if folder != filepath.Join(dir, sub) {
			t.Fatalf("folder %q", folder)
		}
		ds, err := LoadMNIST(folder, true)
		if err != nil || ds.Len() != 4 {
			t.Fatalf("loading the download: %v, %v", ds, err)
		}
		if n := len(onlyFiles(t, folder)); n != 4 {
			t.Fatalf("%d files in %s", n, folder)
		}
		out := progress.String()
		for _, want := range []string{"downloading " + srv.URL + "/404/train-images-idx3-ubyte.gz", "failed: ", "HTTP 404", "downloading " + srv.URL + "/ok/t10k-labels-idx1-ubyte.gz", "100.0%"} {
			if !strings.Contains(out, want) {
				t.Errorf("progress lacks %q:\n%s", want, out)
			}
		}
	}
}

func TestEnsureMNISTUsesWhatIsThere(t *testing.T) {
	srv := newFileServer(t, nil)
	srv.files = withFakeSets(t, []string{srv.URL + "/ok/"})

	// A complete local folder: no request at all.
	dir := t.TempDir()
	writeFakeMNIST(t, filepath.Join(dir, "fashion-mnist"), 2, 2)
	if got, err := EnsureMNIST(dir, "fashion", nil); err != nil || got != filepath.Join(dir, "fashion-mnist") {
		t.Fatalf("got %q, %v", got, err)
	}
	// One file present from an earlier, interrupted run: three requests.
	dir = t.TempDir()
	writeFiles(t, filepath.Join(dir, "mnist"), map[string][]byte{"train-images-idx3-ubyte.gz": srv.files["train-images-idx3-ubyte.gz"]})
	if _, err := EnsureMNIST(dir, "mnist", nil); err != nil {
		t.Fatal(err)
	}
	if hits := srv.requests(); len(hits) != 3 {
		t.Fatalf("requests %v, want the three missing files", hits)
	}
	// MNIST in the GoMNIST module: used, nothing downloaded.
	want := fakeModCache(t)
	var progress bytes.Buffer
	if got, err := EnsureMNIST(t.TempDir(), "MNIST", &progress); err != nil || got != want {
		t.Fatalf("got %q, %v; want the module's %s", got, err, want)
	}
	if len(srv.requests()) != 3 || !strings.Contains(progress.String(), "GoMNIST module") {
		t.Fatalf("requests %v, progress %q", srv.requests(), progress.String())
	}
	_, err := EnsureMNIST(dir, "cifar", nil)
	mustContain(t, err, `unknown dataset kind "cifar"`)
}

func TestEnsureMNISTFailsClearly(t *testing.T) {
	// A corrupt copy on the first mirror, a 404 on the second.
	srv := newFileServer(t, map[string][]byte{})
	good := withFakeSets(t, []string{srv.URL + "/bad/", srv.URL + "/404/"})
	for name, b := range good {
		srv.files[name] = append(b[:len(b)-8:len(b)-8], 0, 0, 0, 0, 0, 0, 0, 0) // wrong CRC and size
	}
	dir := t.TempDir()
	_, err := EnsureMNIST(dir, "fashion", nil)
	folder := filepath.Join(dir, "fashion-mnist")
	mustContain(t, err,
		"data: could not get Fashion-MNIST: train-images-idx3-ubyte.gz (download "+srv.URL+"/bad/train-images-idx3-ubyte.gz: corrupt gzip data",
		"the file was not saved; download "+srv.URL+"/404/train-images-idx3-ubyte.gz: HTTP 404 Not Found",
		"t10k-labels-idx1-ubyte.gz (",
		"Put the files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (gzipped IDX, from "+srv.URL+"/bad/) into "+folder,
		"$DEEPGO_DATA", "fashion-mnist/ subfolder")
	if names := onlyFiles(t, folder); len(names) != 0 {
		t.Fatalf("left %v after failing", names)
	}
	FashionMNISTMirrors = nil
	_, err = EnsureMNIST(dir, "fashion", nil)
	mustContain(t, err, "no mirrors configured", "into "+folder)
}
