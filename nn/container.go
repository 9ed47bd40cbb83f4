package nn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// Sequential chains modules: each one's output is the next one's input
// (torch.nn.Sequential). Its children are named by position, "0", "1", ...,
// so its parameters carry PyTorch's names: for Linear, ReLU, Linear they are
// "0.weight", "0.bias", "2.weight", "2.bias".
//
// # Shapes
//
// The input shape of the first module; the output shape of the last. An
// empty Sequential returns its input.
type Sequential struct {
	Base
}

// NewSequential makes a Sequential of mods, in order.
func NewSequential(mods ...Module) *Sequential {
	s := &Sequential{}
	for _, m := range mods {
		s.Append(m)
	}
	return s
}

// Append adds m at the end, named by its position, and returns s.
func (s *Sequential) Append(m Module) *Sequential {
	s.RegisterModule(strconv.Itoa(len(s.children)), m)
	return s
}

// Len returns the number of modules.
func (s *Sequential) Len() int { return len(s.children) }

// At returns the i-th module (negative i counts from the end, like model[-1]).
func (s *Sequential) At(i int) Module {
	n := len(s.children)
	if i < -n || i >= n {
		panic(fmt.Sprintf("deepgo: Sequential.At: index %d out of range for %d modules", i, n))
	}
	if i < 0 {
		i += n
	}
	return s.children[i].Module
}

// Forward runs x through every module in order.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, c := range s.children {
		x = c.Module.Forward(x)
	}
	return x
}

// String lists the modules one per line, like printing a PyTorch model.
func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(\n")
	for _, c := range s.children {
		desc := strings.ReplaceAll(describe(c.Module), "\n", "\n  ")
		fmt.Fprintf(&b, "  (%s): %s\n", c.Name, desc)
	}
	b.WriteString(")")
	return b.String()
}

// describe is m's String, or its type name as "ReLU()" without one.
func describe(m Module) string {
	if st, ok := m.(fmt.Stringer); ok {
		return st.String()
	}
	name := fmt.Sprintf("%T", m)
	return name[strings.LastIndexAny(name, ".*")+1:] + "()"
}
