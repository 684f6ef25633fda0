package gpu

import (
	"errors"
	"fmt"
	"time"

	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// The profiler: while a profile runs, every dispatch and read-back copy
// is recorded with its work (estimated FLOPs, bytes of its bindings) and,
// where the device has timestamp queries, bracketed by two timestamps
// written between compute passes (each profiled dispatch gets its own
// pass). When no profile runs the recorder takes none of these paths.

// profileQueries is the capacity of one submission's timestamp query set
// (two queries per timed command); a submission that would need more is
// split.
const profileQueries = 4096

// ProfileOptions configures StartProfile.
type ProfileOptions struct {
	// CountOnly records the work without running it: dispatches are
	// counted but not encoded, read-backs return whatever the buffers
	// held (zeros), and the per-submission FLOP budget of software
	// adapters is lifted so that the dispatches are those a hardware
	// adapter records. Counts are then cheap at any batch size.
	CountOnly bool
}

// Command is one profiled GPU command: a compute dispatch, a read-back
// copy or a host upload.
type Command struct {
	Op     string // the backend operation ("conv2d", "relu", "download", ...)
	Key    string // the shader entry point ("conv2d:forward"), "copy" or "upload"
	Family string // the kernel family (see Family)
	// Step is the index of the step mark (see ProfileMark) in force when
	// the command was recorded; -1 before the first mark.
	Step         int
	Workgroups   uint64  // workgroups dispatched; 0 for copies and uploads
	FLOPs        float64 // the recorder's estimate
	BytesRead    uint64  // bytes of the bindings the command reads
	BytesWritten uint64  // bytes of the bindings it writes
	// Begin and End are the timestamps (nanoseconds on the device's
	// clock) around the command; Timed is false when there are none
	// (no timestamp queries, a count-only profile, or an upload, which the
	// queue performs outside command buffers).
	Begin, End float64
	Timed      bool
}

// Seconds returns the command's GPU time, 0 when it was not timed.
func (c Command) Seconds() float64 {
	if !c.Timed {
		return 0
	}
	return (c.End - c.Begin) * 1e-9
}

// Profile is what StopProfile returns.
type Profile struct {
	// Timestamps reports whether the device timed the commands (it has
	// the TIMESTAMP_QUERY feature and the profile was not count-only).
	Timestamps bool
	// NoTimestampsWhy says why there are no times, when there are none.
	NoTimestampsWhy string
	CountOnly       bool
	// TickNS is the length of one timestamp tick in nanoseconds,
	// calibrated against the host clock over the profile (wgpu-native
	// 0.17's C API has no wgpuQueueGetTimestampPeriod); Begin and End are
	// already multiplied by it.
	TickNS   float64
	Marks    []string  // the labels given to ProfileMark, by step index
	Commands []Command // in recording order
}

// profSubmission is one submission's query set and the commands it times.
type profSubmission struct {
	qs       *wgpu.QuerySet
	resolve  *wgpu.Buffer
	read     *wgpu.Buffer
	n        uint32 // queries written
	cmds     []int  // indexes into profiler.cmds, two queries each
	mapped   bool
	done     bool
	status   wgpu.BufferMapAsyncStatus
	mapError error
}

type profiler struct {
	opts    ProfileOptions
	timed   bool
	why     string
	budget  float64 // the device's budget, restored by StopProfile
	step    int
	marks   []string
	cmds    []Command
	ticks   [][2]uint64 // raw ticks of cmds
	cur     *profSubmission
	pending []*profSubmission
	// calibration: host times and raw ticks of the first and last marker
	h0, h1     time.Time
	t0, t1     uint64
	calib      *profSubmission
	calibTicks uint64
	free       []*profSubmission // submissions whose results were read, for reuse
	last       []binding         // the previous dispatch's bindings (see profBytes)
	lastKey    string
}

// TimestampsSupported reports whether the device was opened with
// timestamp queries (Options.Profile on an adapter with TIMESTAMP_QUERY).
func (g *Backend) TimestampsSupported() bool { return g.d.timestamps }

// Dispatches reports how many compute dispatches the backend has
// recorded (counted whether or not a profile runs).
func (g *Backend) Dispatches() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.dispatches
}

// StartProfile begins recording a profile; it waits for the work already
// submitted. It returns an error when a profile is already running.
func (g *Backend) StartProfile(o ProfileOptions) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.prof != nil {
		return errors.New("gpu: a profile is already running")
	}
	if g.err != nil {
		return g.err
	}
	if err := g.flush(true); err != nil {
		return err
	}
	p := &profiler{opts: o, step: -1, budget: g.d.budget}
	switch {
	case o.CountOnly:
		p.why = "count-only profile"
		g.d.budget = 0
	case !g.d.timestamps && g.d.timestampsAsked:
		p.why = fmt.Sprintf("adapter %s lacks the TIMESTAMP_QUERY feature", g.d.info)
	case !g.d.timestamps:
		p.why = "the device was opened without timestamp queries (gpu.Options.Profile)"
	default:
		p.timed = true
	}
	g.prof = p
	if p.timed {
		t, h, err := g.profMarker()
		if err != nil {
			g.prof = nil
			return err
		}
		p.t0, p.h0 = t, h
	}
	return nil
}

// ProfileMark starts step index len(marks): commands recorded from now on
// belong to it. A no-op when no profile runs.
func (g *Backend) ProfileMark(label string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.prof; p != nil {
		p.marks = append(p.marks, label)
		p.step = len(p.marks) - 1
	}
}

// StopProfile submits and waits for everything recorded, reads the
// timestamps and ends the profile.
func (g *Backend) StopProfile() (*Profile, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.prof
	if p == nil {
		return nil, errors.New("gpu: no profile is running")
	}
	defer func() {
		g.d.budget = p.budget
		p.release()
		g.prof = nil
	}()
	if err := g.flush(true); err != nil {
		return nil, err
	}
	out := &Profile{Timestamps: p.timed, NoTimestampsWhy: p.why, CountOnly: p.opts.CountOnly, Marks: p.marks, Commands: p.cmds}
	if !p.timed {
		return out, nil
	}
	time.Sleep(20 * time.Millisecond) // a calibration span even for an empty profile
	t, h, err := g.profMarker()
	if err != nil {
		return nil, err
	}
	p.t1, p.h1 = t, h
	if err := g.profCollect(true); err != nil {
		return nil, err
	}
	out.TickNS = 1
	if p.t1 > p.t0 {
		out.TickNS = float64(p.h1.Sub(p.h0).Nanoseconds()) / float64(p.t1-p.t0)
	}
	for i := range out.Commands {
		c := &out.Commands[i]
		if c.Timed {
			c.Begin = float64(int64(p.ticks[i][0]-p.t0)) * out.TickNS
			c.End = float64(int64(p.ticks[i][1]-p.t0)) * out.TickNS
		}
	}
	return out, nil
}

// profMarker writes one timestamp in a submission of its own, waits for
// it and returns its raw ticks and the host time the wait returned.
func (g *Backend) profMarker() (uint64, time.Time, error) {
	p := g.prof
	s, err := g.profNewSubmission()
	if err != nil {
		return 0, time.Time{}, err
	}
	enc, err := g.encoder()
	if err != nil {
		return 0, time.Time{}, err
	}
	if err := enc.WriteTimestamp(s.qs, 0); err != nil {
		return 0, time.Time{}, fmt.Errorf("gpu: profile: %w", err)
	}
	s.n = 1
	p.calib, p.cur = s, s
	g.recorded = true
	if err := g.flush(true); err != nil {
		return 0, time.Time{}, err
	}
	h := time.Now()
	if err := g.profCollect(true); err != nil {
		return 0, time.Time{}, err
	}
	return p.calibTicks, h, nil
}
