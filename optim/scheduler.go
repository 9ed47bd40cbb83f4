package optim

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Scheduler adjusts an optimizer's learning rate as training advances, like
// torch.optim.lr_scheduler. Constructing one takes its first step (epoch 0),
// which sets the starting LR, exactly as in PyTorch; call Step after the
// optimizer's Step, once per epoch or per batch.
//
// Schedulers compute the LR recursively from the optimizer's current LR, as
// torch's get_lr does, so several schedulers on one optimizer chain: each
// Step multiplies in its own factor. OneCycleLR is not chainable, as in
// torch. ReduceLROnPlateau steps on a metric (StepMetric); it satisfies
// Scheduler only so that it fits where one is expected, and its Step panics.
type Scheduler interface {
	// Step advances the schedule by one epoch (or batch) and sets the
	// optimizer's LR.
	Step()
	// LR returns the LR the scheduler last set (torch's get_last_lr()[0]).
	LR() float64
	// StateDict returns the scheduler's position and hyper-parameters.
	StateDict() State
	// LoadStateDict restores a state returned by StateDict of the same kind.
	LoadStateDict(State) error
}

// initialLRHolder is implemented by this package's optimizers. It plays
// torch's param_group["initial_lr"]: the first scheduler attached records the
// LR it found, and every later scheduler on the same optimizer takes that as
// its base LR, even if the first one has changed the LR since.
type initialLRHolder interface {
	getInitialLR() (float64, bool)
	setInitialLR(lr float64)
}

// schedBase is the part every epoch-driven scheduler shares (torch's
// _LRScheduler with a single param group).
type schedBase struct {
	kind      string
	opt       Optimizer
	baseLR    float64 // torch's base_lrs[0]
	lastEpoch int     // torch's last_epoch: -1 before the constructor's step
	lastLR    float64
}

func newSchedBase(kind string, opt Optimizer) schedBase {
	if opt == nil {
		panic("deepgo: " + kind + ": nil optimizer")
	}
	lr := opt.LR()
	if h, ok := opt.(initialLRHolder); ok {
		if v, ok := h.getInitialLR(); ok {
			lr = v
		} else {
			h.setInitialLR(lr)
		}
	}
	return schedBase{kind: kind, opt: opt, baseLR: lr, lastEpoch: -1}
}

// LR returns the LR the scheduler last set.
func (s *schedBase) LR() float64 { return s.lastLR }

func (s *schedBase) set(lr float64) {
	s.opt.SetLR(lr)
	s.lastLR = lr
}

// save starts a scheduler State with the shared scalars and hyper.
func (s *schedBase) save(hyper map[string]float64) State {
	st := newState(s.kind)
	st.Scalars["last_epoch"] = float64(s.lastEpoch)
	st.Scalars["base_lr"] = s.baseLR
	st.Scalars["last_lr"] = s.lastLR
	for k, v := range hyper {
		st.Scalars[k] = v
	}
	return st
}

// check verifies st's kind, that it has no tensors, and that its scalars are
// exactly the shared ones, hyper, and any that extra accepts.
func (s *schedBase) check(st State, extra func(string) bool, hyper ...string) error {
	if st.Kind != s.kind {
		return fmt.Errorf("deepgo: %s: load state: state is of a %q scheduler", s.kind, st.Kind)
	}
	return checkScalars(s.kind, st, extra, append([]string{"last_epoch", "base_lr", "last_lr"}, hyper...)...)
}

func checkScalars(kind string, st State, extra func(string) bool, required ...string) error {
	if len(st.Tensors) != 0 {
		return fmt.Errorf("deepgo: %s: load state: unexpected tensors (a scheduler state has only scalars)", kind)
	}
	for _, k := range required {
		v, ok := st.Scalars[k]
		if !ok {
			return fmt.Errorf("deepgo: %s: load state: missing scalar %q", kind, k)
		}
		if v != v {
			return fmt.Errorf("deepgo: %s: load state: scalar %q is NaN", kind, k)
		}
	}
	for _, k := range sortedKeys(st.Scalars) {
		if !contains(required, k) && (extra == nil || !extra(k)) {
			return fmt.Errorf("deepgo: %s: load state: unknown scalar %q", kind, k)
		}
	}
	return nil
}

func (s *schedBase) load(st State) {
	s.lastEpoch = int(st.Scalars["last_epoch"])
	s.baseLR = st.Scalars["base_lr"]
	s.lastLR = st.Scalars["last_lr"]
}

func schedErr(kind string, err error) error {
	return fmt.Errorf("deepgo: %s: load state: %w", kind, err)
}

// StepLR multiplies the LR by Gamma every StepSize epochs
// (torch.optim.lr_scheduler.StepLR): lr = base·γ^⌊epoch/StepSize⌋ when it
// is the only scheduler.
type StepLR struct {
	schedBase
	stepSize int
	gamma    float64
}

// NewStepLR attaches a StepLR to opt and takes its first step.
func NewStepLR(opt Optimizer, stepSize int, gamma float64) *StepLR {
	mustValid("StepLR", validStepLR(stepSize, gamma))
	s := &StepLR{schedBase: newSchedBase("StepLR", opt), stepSize: stepSize, gamma: gamma}
	s.Step()
	return s
}

func validStepLR(stepSize int, gamma float64) error {
	if stepSize < 1 {
		return badValue("stepSize", stepSize, ">= 1")
	}
	if !(gamma >= 0) {
		return badValue("gamma", gamma, ">= 0")
	}
	return nil
}

// Step advances one epoch.
func (s *StepLR) Step() {
	s.lastEpoch++
	lr := s.opt.LR()
	if s.lastEpoch != 0 && s.lastEpoch%s.stepSize == 0 {
		lr *= s.gamma
	}
	s.set(lr)
}

// StateDict returns the epoch, the LRs and the hyper-parameters.
func (s *StepLR) StateDict() State {
	return s.save(map[string]float64{"step_size": float64(s.stepSize), "gamma": s.gamma})
}

// LoadStateDict restores a state returned by StepLR.StateDict.
func (s *StepLR) LoadStateDict(st State) error {
	if err := s.check(st, nil, "step_size", "gamma"); err != nil {
		return err
	}
	stepSize, gamma := int(st.Scalars["step_size"]), st.Scalars["gamma"]
	if err := validStepLR(stepSize, gamma); err != nil {
		return schedErr(s.kind, err)
	}
	s.load(st)
	s.stepSize, s.gamma = stepSize, gamma
	return nil
}

// MultiStepLR multiplies the LR by Gamma each time the epoch reaches a
// milestone (torch.optim.lr_scheduler.MultiStepLR). A milestone listed k
// times multiplies by γᵏ, as with torch's Counter.
type MultiStepLR struct {
	schedBase
	milestones []int // sorted, repeats kept
	gamma      float64
}

// NewMultiStepLR attaches a MultiStepLR to opt and takes its first step.
func NewMultiStepLR(opt Optimizer, milestones []int, gamma float64) *MultiStepLR {
	mustValid("MultiStepLR", validMultiStep(milestones, gamma))
	m := append([]int(nil), milestones...)
	sort.Ints(m)
	s := &MultiStepLR{schedBase: newSchedBase("MultiStepLR", opt), milestones: m, gamma: gamma}
	s.Step()
	return s
}

func validMultiStep(milestones []int, gamma float64) error {
	for _, m := range milestones {
		if m < 0 {
			return badValue("milestone", m, ">= 0")
		}
	}
	if !(gamma >= 0) {
		return badValue("gamma", gamma, ">= 0")
	}
	return nil
}

// Step advances one epoch.
func (s *MultiStepLR) Step() {
	s.lastEpoch++
	lr := s.opt.LR()
	count := 0
	for _, m := range s.milestones {
		if m == s.lastEpoch {
			count++
		}
	}
	if count > 0 {
		lr *= math.Pow(s.gamma, float64(count))
	}
	s.set(lr)
}

// StateDict returns the epoch, the LRs, gamma and the milestones (scalars
// "milestone.<k>", with "num_milestones").
func (s *MultiStepLR) StateDict() State {
	h := map[string]float64{"gamma": s.gamma, "num_milestones": float64(len(s.milestones))}
	for k, m := range s.milestones {
		h["milestone."+strconv.Itoa(k)] = float64(m)
	}
	return s.save(h)
}

// LoadStateDict restores a state returned by MultiStepLR.StateDict.
func (s *MultiStepLR) LoadStateDict(st State) error {
	n := int(st.Scalars["num_milestones"])
	isMilestone := func(k string) bool {
		idx, ok := strings.CutPrefix(k, "milestone.")
		i, err := strconv.Atoi(idx)
		return ok && err == nil && i >= 0 && i < n
	}
	if err := s.check(st, isMilestone, "gamma", "num_milestones"); err != nil {
		return err
	}
	if n < 0 || n > 1<<20 {
		return schedErr(s.kind, badValue("num_milestones", st.Scalars["num_milestones"], "0 <= n <= 2^20"))
	}
	m := make([]int, n)
	for k := range m {
		v, ok := st.Scalars["milestone."+strconv.Itoa(k)]
		if !ok {
			return schedErr(s.kind, fmt.Errorf("missing scalar %q", "milestone."+strconv.Itoa(k)))
		}
		m[k] = int(v)
	}
	if err := validMultiStep(m, st.Scalars["gamma"]); err != nil {
		return schedErr(s.kind, err)
	}
	sort.Ints(m)
	s.load(st)
	s.milestones, s.gamma = m, st.Scalars["gamma"]
	return nil
}

// ExponentialLR multiplies the LR by Gamma every epoch
// (torch.optim.lr_scheduler.ExponentialLR).
type ExponentialLR struct {
	schedBase
	gamma float64
}

// NewExponentialLR attaches an ExponentialLR to opt and takes its first step.
func NewExponentialLR(opt Optimizer, gamma float64) *ExponentialLR {
	if !(gamma >= 0) {
		mustValid("ExponentialLR", badValue("gamma", gamma, ">= 0"))
	}
	s := &ExponentialLR{schedBase: newSchedBase("ExponentialLR", opt), gamma: gamma}
	s.Step()
	return s
}

// Step advances one epoch.
func (s *ExponentialLR) Step() {
	s.lastEpoch++
	lr := s.opt.LR()
	if s.lastEpoch != 0 {
		lr *= s.gamma
	}
	s.set(lr)
}

// StateDict returns the epoch, the LRs and gamma.
func (s *ExponentialLR) StateDict() State { return s.save(map[string]float64{"gamma": s.gamma}) }

// LoadStateDict restores a state returned by ExponentialLR.StateDict.
func (s *ExponentialLR) LoadStateDict(st State) error {
	if err := s.check(st, nil, "gamma"); err != nil {
		return err
	}
	if g := st.Scalars["gamma"]; !(g >= 0) {
		return schedErr(s.kind, badValue("gamma", g, ">= 0"))
	}
	s.load(st)
	s.gamma = st.Scalars["gamma"]
	return nil
}

// CosineAnnealingLR anneals the LR from its base value to etaMin along half
// a cosine over tMax epochs, then back up over the next tMax, and so on
// (torch.optim.lr_scheduler.CosineAnnealingLR, without SGDR's restarts).
// Alone, it gives
//
//	lr = etaMin + (base − etaMin)·(1 + cos(π·epoch/tMax))/2
//
// It is computed with torch's recursive form, so it chains with others.
type CosineAnnealingLR struct {
	schedBase
	tMax   int
	etaMin float64
}

// NewCosineAnnealingLR attaches a CosineAnnealingLR to opt and takes its
// first step.
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) *CosineAnnealingLR {
	mustValid("CosineAnnealingLR", validCosine(tMax, etaMin))
	s := &CosineAnnealingLR{schedBase: newSchedBase("CosineAnnealingLR", opt), tMax: tMax, etaMin: etaMin}
	s.Step()
	return s
}

func validCosine(tMax int, etaMin float64) error {
	if tMax < 1 {
		return badValue("tMax", tMax, ">= 1")
	}
	if !(etaMin >= 0) {
		return badValue("etaMin", etaMin, ">= 0")
	}
	return nil
}

// Step advances one epoch.
func (s *CosineAnnealingLR) Step() {
	s.lastEpoch++
	e, T := float64(s.lastEpoch), float64(s.tMax)
	lr := s.opt.LR()
	switch {
	case s.lastEpoch == 0:
	case (s.lastEpoch-1-s.tMax)%(2*s.tMax) == 0:
		lr += (s.baseLR - s.etaMin) * (1 - math.Cos(math.Pi/T)) / 2
	default:
		lr = (1+math.Cos(math.Pi*e/T))/(1+math.Cos(math.Pi*(e-1)/T))*(lr-s.etaMin) + s.etaMin
	}
	s.set(lr)
}

// StateDict returns the epoch, the LRs, tMax and etaMin.
func (s *CosineAnnealingLR) StateDict() State {
	return s.save(map[string]float64{"T_max": float64(s.tMax), "eta_min": s.etaMin})
}

// LoadStateDict restores a state returned by CosineAnnealingLR.StateDict.
func (s *CosineAnnealingLR) LoadStateDict(st State) error {
	if err := s.check(st, nil, "T_max", "eta_min"); err != nil {
		return err
	}
	tMax, etaMin := int(st.Scalars["T_max"]), st.Scalars["eta_min"]
	if err := validCosine(tMax, etaMin); err != nil {
		return schedErr(s.kind, err)
	}
	s.load(st)
	s.tMax, s.etaMin = tMax, etaMin
	return nil
}

// LinearLR scales the LR by a factor that moves linearly from startFactor
// at epoch 0 to endFactor at epoch totalIters and stays there
// (torch.optim.lr_scheduler.LinearLR). With endFactor 1 it is a linear
// warm-up; see NewLinearWarmup.
type LinearLR struct {
	schedBase
	startFactor, endFactor float64
	totalIters             int
}

// NewLinearLR attaches a LinearLR to opt and takes its first step.
// startFactor must be in (0, 1] (torch 1.13 also accepts 0 but then
// produces NaN), endFactor in [0, 1], totalIters at least 1.
func NewLinearLR(opt Optimizer, startFactor, endFactor float64, totalIters int) *LinearLR {
	mustValid("LinearLR", validLinear(startFactor, endFactor, totalIters))
	s := &LinearLR{schedBase: newSchedBase("LinearLR", opt),
		startFactor: startFactor, endFactor: endFactor, totalIters: totalIters}
	s.Step()
	return s
}

// NewLinearWarmup is NewLinearLR(opt, startFactor, 1, warmupSteps): the LR
// rises linearly from startFactor·lr to lr over warmupSteps steps.
func NewLinearWarmup(opt Optimizer, warmupSteps int, startFactor float64) *LinearLR {
	return NewLinearLR(opt, startFactor, 1, warmupSteps)
}

func validLinear(start, end float64, total int) error {
	switch {
	case !(start > 0 && start <= 1):
		return badValue("startFactor", start, "0 < startFactor <= 1")
	case !(end >= 0 && end <= 1):
		return badValue("endFactor", end, "0 <= endFactor <= 1")
	case total < 1:
		return badValue("totalIters", total, ">= 1")
	}
	return nil
}

// Step advances one epoch.
func (s *LinearLR) Step() {
	s.lastEpoch++
	lr := s.opt.LR()
	switch e := float64(s.lastEpoch); {
	case s.lastEpoch == 0:
		lr *= s.startFactor
	case s.lastEpoch > s.totalIters:
	default:
		d := s.endFactor - s.startFactor
		lr *= 1 + d/(float64(s.totalIters)*s.startFactor+(e-1)*d)
	}
	s.set(lr)
}

// StateDict returns the epoch, the LRs and the hyper-parameters.
func (s *LinearLR) StateDict() State {
	return s.save(map[string]float64{
		"start_factor": s.startFactor, "end_factor": s.endFactor, "total_iters": float64(s.totalIters)})
}

// LoadStateDict restores a state returned by LinearLR.StateDict.
func (s *LinearLR) LoadStateDict(st State) error {
	if err := s.check(st, nil, "start_factor", "end_factor", "total_iters"); err != nil {
		return err
	}
	start, end, total := st.Scalars["start_factor"], st.Scalars["end_factor"], int(st.Scalars["total_iters"])
	if err := validLinear(start, end, total); err != nil {
		return schedErr(s.kind, err)
	}
	s.load(st)
	s.startFactor, s.endFactor, s.totalIters = start, end, total
	return nil
}

var (
	_ Scheduler = (*StepLR)(nil)
	_ Scheduler = (*MultiStepLR)(nil)
	_ Scheduler = (*ExponentialLR)(nil)
	_ Scheduler = (*CosineAnnealingLR)(nil)
	_ Scheduler = (*LinearLR)(nil)
	_ Scheduler = (*OneCycleLR)(nil)
	_ Scheduler = (*ReduceLROnPlateau)(nil)
)
