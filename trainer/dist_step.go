package trainer

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer/dist"
)

// This file is the Stepper's part of a data-parallel run (Stepper.Comm of
// more than one rank), PyTorch's DistributedDataParallel: rank 0's
// batch-norm running statistics are broadcast before each training
// forward (DDP's broadcast_buffers), and between backward and the
// optimizer step every gradient is all-reduced and averaged in one flat
// buffer, with the non-finite guard's probe as its last value, so that
// every rank updates the same weights and skips the same steps.

// distributed reports whether the stepper's Comm has several ranks.
func (s *Stepper) distributed() bool { return s.Comm != nil && s.Comm.Size() > 1 }

// runningStats returns the model's non-trainable tensors (batch norm's
// running mean and variance), in state_dict order.
func (s *Stepper) runningStats() []*ops.Tensor {
	var out []*ops.Tensor
	for _, p := range s.Model.Params() {
		if !p.Trainable() {
			out = append(out, p.Value)
		}
	}
	return out
}

// SyncBuffers copies rank 0's batch-norm running statistics to every
// rank; nothing without a Comm of several ranks.
func (s *Stepper) SyncBuffers() error {
	if !s.distributed() {
		return nil
	}
	return broadcastTensors(s.Comm, s.runningStats(), &s.flat)
}

// broadcastTensors copies rank 0's values of ts to every rank through one
// flat buffer (*buf, reused).
func broadcastTensors(c dist.Comm, ts []*ops.Tensor, buf *[]float32) error {
	n := 0
	for _, t := range ts {
		n += t.Numel()
	}
	if n == 0 {
		return nil
	}
	flat := grow(buf, n)
	if c.Rank() == 0 {
		off := 0
		for _, t := range ts {
			v, err := t.Owner().Download(t)
			if err != nil {
				return err
			}
			off += copy(flat[off:], v)
		}
	}
	if err := c.BroadcastFloat32(flat, 0); err != nil {
		return fmt.Errorf("broadcasting rank 0's values: %w", err)
	}
	if c.Rank() == 0 {
		return nil
	}
	off := 0
	for _, t := range ts {
		if err := t.Owner().Upload(t, flat[off:off+t.Numel()]); err != nil {
			return err
		}
		off += t.Numel()
	}
	return nil
}

// grow returns (*buf)[:n], reallocating *buf when it is shorter.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

// gradTensors returns the params' gradients, in s.grads (reused).
func (s *Stepper) gradTensors(params []*graph.Param) []*ops.Tensor {
	s.grads = s.grads[:0]
	for _, q := range params {
		s.grads = append(s.grads, q.Grad)
	}
	return s.grads
}

// allReduceGrads averages the gradients over the ranks (AllReduceMean of
// one flat buffer: every gradient in the optimizer's order, then the
// guard's probe, 0 or NaN), writes them back, and folds the agreed probe
// into the guard's flag: a non-finite loss on any rank stops the update on
// every rank. A probe that came back NaN is recorded in p.
func (s *Stepper) allReduceGrads(be ops.Backend, p *PendingStep) error {
	params := s.Opt.Params()
	n := 1
	for _, q := range params {
		n += q.Grad.Numel()
	}
	flat := grow(&s.flat, n)
	// Every read-back is asked for before any is waited for: on a GPU
	// that is one wait for the step's submission, not one per tensor.
	reads := s.reads[:0]
	for _, t := range append(s.gradTensors(params), s.probe) {
		f, err := ops.ReadAsync(be, t)
		if err != nil {
			return err
		}
		reads = append(reads, f)
	}
	s.reads = reads
	if err := ops.Submit(be); err != nil {
		return err
	}
	off := 0
	for _, f := range reads {
		v, err := f.Float32()
		if err != nil {
			return err
		}
		off += copy(flat[off:], v)
	}
	off-- // the probe's place
	if err := s.Comm.AllReduceMean(flat); err != nil {
		return fmt.Errorf("all-reducing the gradients: %w", err)
	}
	off = 0
	for _, q := range params {
		if err := be.Upload(q.Grad, flat[off:off+q.Grad.Numel()]); err != nil {
			return err
		}
		off += q.Grad.Numel()
	}
	if v := flat[off]; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		p.peerNonFinite = true
	}
	if err := be.Upload(s.probe, flat[off:off+1]); err != nil {
		return err
	}
	if err := be.Add(s.flag, s.flag, s.probe); err != nil {
		return err
	}
	s.Opt.SetGuard(s.flag)
	return nil
}
