// Package tensor is deepgo's dense float32 tensor with reverse-mode
// automatic differentiation.
//
// A Tensor is a contiguous, row-major array of any rank. Operations are
// eager (define-by-run): each op computes its result at once and, when an
// input requires a gradient and gradient recording is on, records a node
// holding its backward function beside the result. Calling Backward on a
// scalar walks those nodes in reverse topological order, accumulates
// gradients into the Grad field of the leaves, and releases the graph.
//
// Ops return tensors, not errors: misuse (mismatched shapes, bad axes) is a
// programming error and panics with a message that names the op and every
// shape involved, for example
//
//	deepgo: MatMul: [64 784] x [100 10]: inner dimensions differ (784 != 100)
//
// Other packages define their own differentiable ops with Record (one
// output) or RecordMulti (several outputs), writing forward and backward
// side by side; GradCheck verifies any such op against float64 finite
// differences.
package tensor
