package optim

import (
	"fmt"
	"math"
)

// PlateauConfig configures ReduceLROnPlateau. A zero numeric field takes
// PyTorch's default unless NoDefaults is set (empty strings always take
// theirs); DefaultPlateauConfig returns the defaults spelled out, which is
// the way to ask for Patience 0 or Threshold 0.
type PlateauConfig struct {
	Mode          string  // "min" (default): lower metrics are better; "max": higher are
	Factor        float64 // new LR = LR·Factor, in [0, 1) (default 0.1)
	Patience      int     // bad epochs tolerated before reducing (default 10)
	Threshold     float64 // how much better counts as an improvement (default 1e-4)
	ThresholdMode string  // "rel" (default): best·(1 ∓ Threshold); "abs": best ∓ Threshold
	Cooldown      int     // epochs to wait after a reduction before counting again (default 0)
	MinLR         float64 // lower bound on the LR (default 0)
	Eps           float64 // reductions smaller than this are skipped (default 1e-8)
	NoDefaults    bool    // take every numeric field as given, zeros included
}

// DefaultPlateauConfig returns torch's ReduceLROnPlateau defaults with
// NoDefaults set.
func DefaultPlateauConfig() PlateauConfig {
	return PlateauConfig{Mode: "min", Factor: 0.1, Patience: 10, Threshold: 1e-4, ThresholdMode: "rel",
		Eps: 1e-8, NoDefaults: true}
}

func (c PlateauConfig) withDefaults() PlateauConfig {
	d := DefaultPlateauConfig()
	if c.Mode == "" {
		c.Mode = d.Mode
	}
	if c.ThresholdMode == "" {
		c.ThresholdMode = d.ThresholdMode
	}
	if c.NoDefaults {
		return c
	}
	for _, f := range []struct{ v, def *float64 }{{&c.Factor, &d.Factor}, {&c.Threshold, &d.Threshold}, {&c.Eps, &d.Eps}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if c.Patience == 0 {
		c.Patience = d.Patience
	}
	return c
}

func (c PlateauConfig) validate() error {
	switch {
	case c.Mode != "min" && c.Mode != "max":
		return fmt.Errorf("invalid Mode %q (want \"min\" or \"max\")", c.Mode)
	case c.ThresholdMode != "rel" && c.ThresholdMode != "abs":
		return fmt.Errorf("invalid ThresholdMode %q (want \"rel\" or \"abs\")", c.ThresholdMode)
	case !(c.Factor >= 0 && c.Factor < 1):
		return badValue("Factor", c.Factor, "0 <= Factor < 1")
	case c.Patience < 0:
		return badValue("Patience", c.Patience, ">= 0")
	case c.Cooldown < 0:
		return badValue("Cooldown", c.Cooldown, ">= 0")
	case c.Threshold != c.Threshold:
		return badValue("Threshold", c.Threshold, "a number")
	case !(c.MinLR >= 0):
		return badValue("MinLR", c.MinLR, ">= 0")
	case !(c.Eps >= 0):
		return badValue("Eps", c.Eps, ">= 0")
	}
	return nil
}

// ReduceLROnPlateau multiplies the LR by Factor when a metric (a validation
// loss, say) has not improved for more than Patience epochs
// (torch.optim.lr_scheduler.ReduceLROnPlateau). It is driven by StepMetric,
// once per epoch. It satisfies Scheduler, so that it can sit where a
// scheduler is expected (a trainer's config), but its Step panics: code that
// holds a Scheduler should check for *ReduceLROnPlateau and call StepMetric.
type ReduceLROnPlateau struct {
	opt             Optimizer
	cfg             PlateauConfig
	best            float64
	numBadEpochs    int
	cooldownCounter int
	lastEpoch       int
	lastLR          float64
}

// NewReduceLROnPlateau attaches a ReduceLROnPlateau to opt. Unlike the
// epoch schedulers it does not step on construction, as in torch.
func NewReduceLROnPlateau(opt Optimizer, c PlateauConfig) *ReduceLROnPlateau {
	c = c.withDefaults()
	mustValid("ReduceLROnPlateau", c.validate())
	if opt == nil {
		panic("deepgo: ReduceLROnPlateau: nil optimizer")
	}
	s := &ReduceLROnPlateau{opt: opt, cfg: c, lastLR: opt.LR()}
	s.best = s.worst()
	return s
}

func (s *ReduceLROnPlateau) worst() float64 {
	if s.cfg.Mode == "min" {
		return math.Inf(1)
	}
	return math.Inf(-1)
}

func (s *ReduceLROnPlateau) isBetter(a float64) bool {
	t, best := s.cfg.Threshold, s.best
	switch {
	case s.cfg.Mode == "min" && s.cfg.ThresholdMode == "rel":
		return a < best*(1-t)
	case s.cfg.Mode == "min":
		return a < best-t
	case s.cfg.ThresholdMode == "rel":
		return a > best*(t+1)
	default:
		return a > best+t
	}
}

// StepMetric records one epoch's metric and reduces the LR if the metric
// has stopped improving. A NaN metric never counts as an improvement.
func (s *ReduceLROnPlateau) StepMetric(metric float64) {
	s.lastEpoch++
	if s.isBetter(metric) {
		s.best = metric
		s.numBadEpochs = 0
	} else {
		s.numBadEpochs++
	}
	if s.cooldownCounter > 0 {
		s.cooldownCounter--
		s.numBadEpochs = 0 // bad epochs in cooldown do not count
	}
	if s.numBadEpochs > s.cfg.Patience {
		old := s.opt.LR()
		if lr := math.Max(old*s.cfg.Factor, s.cfg.MinLR); old-lr > s.cfg.Eps {
			s.opt.SetLR(lr)
		}
		s.cooldownCounter = s.cfg.Cooldown
		s.numBadEpochs = 0
	}
	s.lastLR = s.opt.LR()
}

// Step panics: ReduceLROnPlateau needs the metric, so call StepMetric.
func (s *ReduceLROnPlateau) Step() {
	panic("deepgo: ReduceLROnPlateau: Step has no metric to judge; call StepMetric(metric) instead")
}

// LR returns the optimizer's LR as of the last StepMetric (or construction).
func (s *ReduceLROnPlateau) LR() float64 { return s.lastLR }

// StateDict returns the counters, the best metric so far (±Inf before the
// first one) and the hyper-parameters.
func (s *ReduceLROnPlateau) StateDict() State {
	st := newState("ReduceLROnPlateau")
	for k, v := range map[string]float64{
		"best":             s.best,
		"num_bad_epochs":   float64(s.numBadEpochs),
		"cooldown_counter": float64(s.cooldownCounter),
		"last_epoch":       float64(s.lastEpoch),
		"last_lr":          s.lastLR,
		"mode_max":         boolScalar(s.cfg.Mode == "max"),
		"threshold_abs":    boolScalar(s.cfg.ThresholdMode == "abs"),
		"factor":           s.cfg.Factor,
		"patience":         float64(s.cfg.Patience),
		"threshold":        s.cfg.Threshold,
		"cooldown":         float64(s.cfg.Cooldown),
		"min_lr":           s.cfg.MinLR,
		"eps":              s.cfg.Eps,
	} {
		st.Scalars[k] = v
	}
	return st
}

// LoadStateDict restores a state returned by ReduceLROnPlateau.StateDict.
func (s *ReduceLROnPlateau) LoadStateDict(st State) error {
	const kind = "ReduceLROnPlateau"
	if st.Kind != kind {
		return fmt.Errorf("deepgo: %s: load state: state is of a %q scheduler", kind, st.Kind)
	}
	if err := checkScalars(kind, st, nil, "best", "num_bad_epochs", "cooldown_counter", "last_epoch", "last_lr",
		"mode_max", "threshold_abs", "factor", "patience", "threshold", "cooldown", "min_lr", "eps"); err != nil {
		return err
	}
	v := st.Scalars
	c := PlateauConfig{Mode: "min", ThresholdMode: "rel", Factor: v["factor"], Patience: int(v["patience"]),
		Threshold: v["threshold"], Cooldown: int(v["cooldown"]), MinLR: v["min_lr"], Eps: v["eps"], NoDefaults: true}
	if v["mode_max"] != 0 {
		c.Mode = "max"
	}
	if v["threshold_abs"] != 0 {
		c.ThresholdMode = "abs"
	}
	if err := c.validate(); err != nil {
		return schedErr(kind, err)
	}
	s.cfg = c
	s.best = v["best"]
	s.numBadEpochs, s.cooldownCounter, s.lastEpoch = int(v["num_bad_epochs"]), int(v["cooldown_counter"]), int(v["last_epoch"])
	s.lastLR = v["last_lr"]
	return nil
}
