package train

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"
)

// bar is an epoch's progress bar (rate, ETA and running loss), or nothing
// when there is no writer.
type bar struct {
	pb   *progressbar.ProgressBar
	desc string
}

func newBar(w io.Writer, total int, desc string) *bar {
	if w == nil {
		return &bar{}
	}
	pb := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("batch"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(100_000_000), // redraw at most every 0.1 s
		progressbar.OptionClearOnFinish(),
	)
	return &bar{pb: pb, desc: desc}
}

func (b *bar) advance(n int) {
	if b.pb != nil && n > 0 {
		b.pb.Add(n)
	}
}

func (b *bar) update(done int, runningLoss float64) {
	if b.pb == nil {
		return
	}
	if done%20 == 0 {
		b.pb.Describe(fmt.Sprintf("%s loss %.4f", b.desc, runningLoss))
	}
	b.pb.Set(done)
}

func (b *bar) finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
