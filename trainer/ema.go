package trainer

import (
	"errors"
	"fmt"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// EMA is an exponential moving average of a model's trainable
// parameters, as torch.optim.swa_utils.AveragedModel with the avg_fn
// decay*averaged + (1-decay)*current: its first Update copies the
// weights, every later one sets ema = decay*ema + (1-decay)*w. The
// shadow tensors live on the parameters' backend and are updated with
// its Scale and Add, so an update is recorded in order after the
// optimizer step it follows, on any backend.
//
// Only trainable parameters are averaged (AveragedModel's default,
// use_buffers=False): batch-norm running statistics are not, and Swap
// leaves the live ones in place (docs/SPEC.md §7).
type EMA struct {
	Decay float64
	// Updates is the number of updates applied (AveragedModel's
	// n_averaged); 0 means the next Update copies.
	Updates int

	params  []*graph.Param
	shadow  []*ops.Tensor
	scratch []*ops.Tensor // (1-decay)*w, and the live weights during Swap
}

// NewEMA allocates the shadow of params on their backend; decay must be
// in [0, 1).
func NewEMA(params []*graph.Param, decay float64) (*EMA, error) {
	if !(decay >= 0 && decay < 1) {
		return nil, fmt.Errorf("trainer: EMA decay %g: want 0 <= decay < 1", decay)
	}
	if len(params) == 0 {
		return nil, errors.New("trainer: EMA of no parameters")
	}
	e := &EMA{Decay: decay, params: params}
	for _, p := range params {
		b := p.Value.Owner()
		s, err := b.Alloc(ops.F32, p.Value.Shape().Clone())
		if err != nil {
			e.Close()
			return nil, err
		}
		e.shadow = append(e.shadow, s)
		t, err := b.Alloc(ops.F32, p.Value.Shape().Clone())
		if err != nil {
			e.Close()
			return nil, err
		}
		e.scratch = append(e.scratch, t)
	}
	return e, nil
}

// Close frees the shadow tensors.
func (e *EMA) Close() {
	for i, s := range e.shadow {
		s.Owner().Free(s)
		e.shadow[i] = nil
	}
	for i, t := range e.scratch {
		t.Owner().Free(t)
		e.scratch[i] = nil
	}
	e.shadow, e.scratch = nil, nil
}

// Update folds the parameters' current values into the average.
func (e *EMA) Update() error {
	for i, p := range e.params {
		b := p.Value.Owner()
		s := e.shadow[i]
		if e.Updates == 0 {
			if err := b.Copy(s, p.Value); err != nil {
				return fmt.Errorf("trainer: EMA of %s: %w", p.Name, err)
			}
			continue
		}
		if err := b.Scale(s, s, float32(e.Decay)); err != nil {
			return fmt.Errorf("trainer: EMA of %s: %w", p.Name, err)
		}
		if err := b.Scale(e.scratch[i], p.Value, float32(1-e.Decay)); err != nil {
			return fmt.Errorf("trainer: EMA of %s: %w", p.Name, err)
		}
		if err := b.Add(s, s, e.scratch[i]); err != nil {
			return fmt.Errorf("trainer: EMA of %s: %w", p.Name, err)
		}
	}
	e.Updates++
	return nil
}

// Swap exchanges the parameters' values with the average: called twice,
// it restores both. Before the first Update the average is the
// parameters themselves, so Swap changes nothing.
func (e *EMA) Swap() error {
	if e.Updates == 0 {
		return nil
	}
	for i, p := range e.params {
		b := p.Value.Owner()
		for _, c := range [][2]*ops.Tensor{{e.scratch[i], p.Value}, {p.Value, e.shadow[i]}, {e.shadow[i], e.scratch[i]}} {
			if err := b.Copy(c[0], c[1]); err != nil {
				return fmt.Errorf("trainer: EMA swap of %s: %w", p.Name, err)
			}
		}
	}
	return nil
}

// Params are the averaged parameters, in the order of Shadow.
func (e *EMA) Params() []*graph.Param { return e.params }

// Shadow is the average of the i-th parameter (the parameter itself
// before the first Update is meaningless: Updates says).
func (e *EMA) Shadow(i int) *ops.Tensor { return e.shadow[i] }

// updateEMA updates the run's average after the optimizer step step
// (0-based) when it completes a multiple of EMAEvery steps. It is
// recorded right after the step, before the next one starts. A step
// whose loss was not finite left the weights unchanged (and ends the
// run when its results come back): averaging them again is harmless.
func (r *run) updateEMA(step int) error {
	if r.ema == nil {
		return nil
	}
	every := max(r.cfg.EMAEvery, 1)
	if (step+1)%every != 0 {
		return nil
	}
	return r.ema.Update()
}

// swapEMA exchanges the live weights and the average (nothing without
// EMA): the run evaluates and saves its model between two calls.
func (r *run) swapEMA() error {
	if r.ema == nil {
		return nil
	}
	return r.ema.Swap()
}
