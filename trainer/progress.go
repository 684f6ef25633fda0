package trainer

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/wgtrain/wgtrain/evalkit"
)

// DefaultProgressInterval is how often a loader pass prints a progress
// line when Config.Progress is not a terminal and
// Config.ProgressInterval is 0.
const DefaultProgressInterval = 30 * time.Second

// progress shows a run's progress: a bar per loader pass on a terminal,
// elsewhere (a log file, a pipe) a line per loader pass every interval,
// and at each epoch's end one line and a summary table.
type progress struct {
	w        io.Writer
	tty      bool
	interval time.Duration // between the lines of a pass when not a terminal
	start    time.Time
	epoch    time.Time
	seen     int // training samples this epoch, for the epoch line
}

func newProgress(w io.Writer, interval time.Duration) *progress {
	if interval <= 0 {
		interval = DefaultProgressInterval
	}
	p := &progress{w: w, interval: interval, start: time.Now(), epoch: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// bar is one loader pass.
type bar struct {
	p       *progress
	pb      *progressbar.ProgressBar
	desc    string
	samples int
	t0      time.Time
	total   int       // batches of the pass
	first   int       // batches done before this bar started (a resumed epoch)
	steps   int       // batches done since
	last    time.Time // the last progress line, when not a terminal
}

func (p *progress) bar(desc string, total, done int) *bar {
	b := &bar{p: p, desc: desc, t0: time.Now(), total: total, first: done}
	b.last = b.t0
	if p.w != nil && p.tty {
		b.pb = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		b.pb.Set(done)
	}
	return b
}

// step advances the bar by one batch of n samples and shows the running
// loss and accuracy and the samples per second.
func (b *bar) step(loss, acc float64, n int) {
	b.samples += n
	b.steps++
	if strings.HasSuffix(b.desc, "train") {
		b.p.seen += n
	}
	if b.p.w == nil {
		return
	}
	now := time.Now()
	elapsed := now.Sub(b.t0)
	rate := float64(b.samples) / max(elapsed.Seconds(), 1e-9)
	if b.pb == nil {
		if now.Sub(b.last) >= b.p.interval {
			b.last = now
			done := b.first + b.steps
			eta := time.Duration(float64(elapsed) / float64(b.steps) * float64(max(b.total-done, 0)))
			fmt.Fprintf(b.p.w, "%s: step %d/%d, %.0f img/s, loss %.4f, acc %.4f, ETA %s\n",
				b.desc, done, b.total, rate, loss, acc, eta.Round(time.Second))
		}
		return
	}
	b.pb.Describe(fmt.Sprintf("%s loss %.4f acc %.4f %.0f img/s", b.desc, loss, acc, rate))
	b.pb.Add(1)
}

// done ends the bar: a whole pass's bar is cleared; one cut short (an
// interruption, an error) stays as it was, and the next line starts
// below it rather than after it.
func (b *bar) done() {
	if b.pb == nil {
		return
	}
	if b.first+b.steps < b.total {
		b.pb.Exit()
		fmt.Fprintln(b.p.w)
		return
	}
	b.pb.Finish()
}

// summary prints the epoch's line and table.
func (p *progress) summary(rec EpochRecord, key, valid string, best bool) {
	defer func() { p.epoch, p.seen = time.Now(), 0 }()
	if p.w == nil {
		return
	}
	secs := time.Since(p.epoch).Seconds()
	mark := ""
	if best {
		mark = "  (best so far)"
	}
	fmt.Fprintf(p.w, "epoch %d  lr %.4g  %.1f s  %.0f train img/s  %s %s %.4f%s\n",
		rec.Epoch, rec.LR, secs, float64(p.seen)/max(secs, 1e-9), valid, key, rec.Metrics[valid][key], mark)
	cols := []string{"loss", "accuracy01", "accuracy03", "f1/_micro", "f1/_macro"}
	if !slices.Contains(cols, key) {
		cols = append(cols, key)
	}
	loaders := make([]string, 0, len(rec.Metrics))
	for name := range rec.Metrics {
		loaders = append(loaders, name)
	}
	sort.Slice(loaders, func(i, j int) bool { return order(loaders[i]) < order(loaders[j]) })
	var shown []string
	for _, c := range cols {
		for _, l := range loaders {
			if _, ok := rec.Metrics[l][c]; ok {
				shown = append(shown, c)
				break
			}
		}
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t%s\t\n", strings.Join(shown, "\t"))
	for _, l := range loaders {
		fmt.Fprintf(tw, "%s", l)
		for _, c := range shown {
			if v, ok := rec.Metrics[l][c]; ok {
				fmt.Fprintf(tw, "\t%.4f", v)
			} else {
				fmt.Fprintf(tw, "\t-")
			}
		}
		fmt.Fprintf(tw, "\t\n")
	}
	tw.Flush()
}

func order(loader string) int {
	switch loader {
	case "train":
		return 0
	case "valid":
		return 1
	}
	return 2
}

// final prints the run's time and the report written at its end, whose
// title says which split and epoch it describes.
func (p *progress) final(rep *evalkit.Report) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "finished in %.1f s\n\n%s\n", time.Since(p.start).Seconds(), rep.Text())
}
