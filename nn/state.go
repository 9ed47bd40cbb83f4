package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// StateDict returns m's parameters and buffers by state-dict name
// (model.state_dict()). The tensors are detached views sharing storage with
// the module: they see later updates, and writing to them changes the model.
func StateDict(m Module) map[string]*tensor.Tensor {
	entries := stateEntries(m)
	sd := make(map[string]*tensor.Tensor, len(entries))
	for _, e := range entries {
		sd[e.Name] = e.Tensor.Detach()
	}
	return sd
}

// StateDictNames lists StateDict's names in a fixed order: the parameters
// in NamedParameters order, then the buffers. (PyTorch lists each module's
// buffers right after its parameters; the names are the same.)
func StateDictNames(m Module) []string {
	entries := stateEntries(m)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	return names
}

func stateEntries(m Module) []Named {
	entries := append(m.NamedParameters(), m.NamedBuffers()...)
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if seen[e.Name] {
			panic(fmt.Sprintf("deepgo: StateDict: name %q appears twice in the module", e.Name))
		}
		seen[e.Name] = true
	}
	return entries
}

// ShapeMismatch is a state-dict entry whose stored shape differs from the
// module's.
type ShapeMismatch struct {
	Name        string
	Checkpoint  []int // the shape in the state dict being loaded
	ModuleShape []int // the shape the module has
}

// StateDictError says why LoadStateDict refused a state dict. Missing and
// Unexpected are reported only when loading strictly.
type StateDictError struct {
	Missing    []string // module names absent from the state dict
	Unexpected []string // state-dict names the module does not have
	Mismatched []ShapeMismatch
}

func (e *StateDictError) Error() string {
	var parts []string
	quote := func(names []string) string {
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = fmt.Sprintf("%q", n)
		}
		return strings.Join(q, ", ")
	}
	if len(e.Missing) > 0 {
		parts = append(parts, "missing key(s): "+quote(e.Missing))
	}
	if len(e.Unexpected) > 0 {
		parts = append(parts, "unexpected key(s): "+quote(e.Unexpected))
	}
	for _, s := range e.Mismatched {
		parts = append(parts, fmt.Sprintf("size mismatch for %q: shape %v in the state dict, %v in the module", s.Name, s.Checkpoint, s.ModuleShape))
	}
	return "deepgo: LoadStateDict: " + strings.Join(parts, "; ")
}

// LoadStateDict copies the values of sd into m's parameters and buffers,
// matched by name (model.load_state_dict). With strict, every name of the
// module must be in sd and every name of sd in the module; without it,
// names present on one side only are skipped. Shapes must match exactly
// either way. On any error nothing is copied, and the *StateDictError names
// every offending key with both shapes.
func LoadStateDict(m Module, sd map[string]*tensor.Tensor, strict bool) error {
	entries := stateEntries(m)
	e := &StateDictError{}
	have := make(map[string]bool, len(entries))
	for _, en := range entries {
		have[en.Name] = true
		src, ok := sd[en.Name]
		switch {
		case !ok || src == nil:
			if strict {
				e.Missing = append(e.Missing, en.Name)
			}
		case !tensor.SameShape(src.Shape(), en.Tensor.Shape()):
			e.Mismatched = append(e.Mismatched, ShapeMismatch{en.Name, src.Shape(), en.Tensor.Shape()})
		}
	}
	if strict {
		for name := range sd {
			if !have[name] {
				e.Unexpected = append(e.Unexpected, name)
			}
		}
		slices.Sort(e.Unexpected)
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Mismatched) > 0 {
		return e
	}
	for _, en := range entries {
		if src, ok := sd[en.Name]; ok && src != nil && src != en.Tensor {
			copy(en.Tensor.Data(), src.Data())
		}
	}
	return nil
}
