// Package optim holds deepgo's optimizers (SGD, Adam, AdamW, RMSprop),
// learning-rate schedulers, gradient clipping and L1/L2 penalties, with
// torch.optim's semantics: the same update formulas in the same order, the
// same defaults, and schedulers that chain the way torch's do.
//
// An optimizer takes a list of leaf tensors (the parameters) and, on Step,
// updates each one whose Grad is non-nil; ZeroGrad drops the gradients
// (PyTorch's set_to_none). A training step reads
//
//	opt.ZeroGrad()
//	loss := model(x)
//	loss.Backward()
//	opt.Step()
//	sched.Step() // once per step or per epoch, after opt.Step, as in PyTorch
//
// Configs follow one rule: a zero field takes PyTorch's default (Adam's LR
// 1e-3, Beta1 0.9, ...). To ask for an explicit zero, start from the
// Default…Config function, which returns every default spelled out with
// NoDefaults set, and change the field:
//
//	c := optim.DefaultAdamConfig()
//	c.Beta1 = 0 // really 0, as in torch.optim.Adam(betas=(0, 0.999))
//
// Invalid hyper-parameters (a negative LR, a beta outside [0, 1), Nesterov
// without momentum) are programming errors: constructors panic with a message
// naming the optimizer, the field and the value, like the tensor package.
// State loaded from outside (LoadStateDict) is checked and returns an error.
//
// StateDict and LoadStateDict save and restore everything a run needs to
// resume bit for bit: per-parameter buffers, step counts and
// hyper-parameters. To resume, build the optimizer and its schedulers
// exactly as in the original run, then load both states (as in PyTorch,
// building a scheduler steps it once, which loading undoes).
package optim
