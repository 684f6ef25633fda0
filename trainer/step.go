package trainer

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer/dist"
)

// Stepper runs training and evaluation steps of one model: forward, the
// weighted sum of its criteria, and for training backward and the
// optimizer update.
//
// A step is recorded whole before anything is read back: on the WebGPU
// backend Start submits forward, backward and update as one submission
// and returns at once, and only the loss, the predicted classes (and, with
// KeepLogits, the logits) come back, while the next step is recorded. A
// non-finite loss cannot be seen before the update is recorded, so the
// update is guarded on the device: from the first step whose loss is not
// finite on, Adam leaves every weight unchanged, and that step's Wait
// reports the error.
//
// The stepper keeps one pass's device tensors between steps of the same
// mode, so that a steady-state step allocates only its results; Close
// frees them. Set
// the fields before the first step and leave the model and criteria
// as they are afterwards.
type Stepper struct {
	Model    *graph.Model
	Criteria []graph.Criterion
	// Weights of the criteria; nil means 1 for a single criterion.
	Weights []float32
	Opt     Optimizer
	// Seed selects the dropout masks (with the step number).
	Seed uint32
	// KeepLogits makes every result carry the batch's logits, for top-k
	// accuracy and score-based metrics.
	KeepLogits bool
	// TTA is the test-time augmentation that Evaluate and Predict apply
	// ("" is none); a single step (Eval, StartEval) does not.
	TTA TTA
	// Comm, when it has several ranks, makes each training step
	// data-parallel (dist_step.go): rank 0's batch-norm statistics before
	// the forward, the gradients averaged over the ranks before the
	// update. nil is one process.
	Comm dist.Comm

	x, y *ops.Tensor // the device batch, reused while its shape stays
	smp  *ops.Tensor // the batch's samples, for a split on the device
	// stores holds the evaluation loaders' splits on the device (nil:
	// made on the host); the run sets it (gather.go).
	stores      map[*datasets.Loader]*imageStore
	flag, probe *ops.Tensor // the sticky non-finite flag and scratch
	be          ops.Backend // the model's backend
	// ctx holds the evaluation (0) and training (1) contexts, reused by
	// every step so that a step allocates nothing once shapes are steady.
	ctx   [2]*graph.Context
	parts []*graph.Var  // the criteria's losses, reused
	keys  []string      // "loss_<key>" of each criterion
	flat  []float32     // the data-parallel step's flat buffer
	reads []ops.Future  // its read-backs of the gradients and the probe
	grads []*ops.Tensor // the gradients it reads
	// scaler is the dynamic loss scale of binary16 activations
	// (scaler.go); nil with float32 activations.
	scaler *lossScaler
}

// one is the weight of a single criterion.
var one = []float32{1}

// Batch is one batch of images on the host, or, for a training split
// held on the device (gather.go), the indices and draws the device makes
// them from.
type Batch struct {
	Images []float32 // N*C*H*W values, NCHW; nil with Samples
	Shape  ops.Shape // [N, C, H, W]
	Labels []int32   // N class indices
	// Samples holds, for a split held on the device, each image's index
	// and ops.GatherDraw word; nil otherwise. Only the run makes such
	// batches (a Batch with Samples that it did not make is refused).
	Samples []int32
	store   *imageStore
}

// StepResult is what one step reports.
type StepResult struct {
	// Loss is the weighted total; Parts holds each criterion's loss under
	// "loss_<key>" when there is more than one.
	Loss  float64
	Parts map[string]float64
	// Pred is each row's arg-max class.
	Pred []int32
	// Logits are the model's outputs, [N*classes], with KeepLogits.
	Logits []float32
}

// PendingStep is a step whose results are still on their way back.
type PendingStep struct {
	step   int
	train  bool
	keys   []string
	loss   []ops.Future // total first, then each part
	pred   ops.Future
	logits ops.Future
	err    error
	// peerNonFinite: a data-parallel step whose loss was not finite on
	// some rank, so that no rank updated.
	peerNonFinite bool
	// overflow reads the loss scaler's probe (scaler.go), which moves
	// scaler's scale; nil without loss scaling.
	overflow ops.Future
	scaler   *lossScaler
}

// Start validates the batch on the host, uploads it, records the training
// step number step (0-based) and submits it without waiting for it.
func (s *Stepper) Start(b Batch, step int) (*PendingStep, error) {
	p, err := s.start(b, step, true)
	if err != nil {
		return nil, &StepError{Train: true, Step: step, Err: err}
	}
	return p, nil
}

// StartEval records an evaluation step (no gradients, running batch-norm
// statistics, no dropout) on the batch and submits it.
func (s *Stepper) StartEval(b Batch) (*PendingStep, error) {
	p, err := s.start(b, -1, false)
	if err != nil {
		return nil, &StepError{Step: -1, Err: err}
	}
	return p, nil
}

// Train runs one training step and waits for its results.
func (s *Stepper) Train(b Batch, step int) (StepResult, error) {
	p, err := s.Start(b, step)
	if err != nil {
		return StepResult{}, err
	}
	return p.Wait()
}

// Eval runs one evaluation step and waits for its results.
func (s *Stepper) Eval(b Batch) (StepResult, error) {
	p, err := s.StartEval(b)
	if err != nil {
		return StepResult{}, err
	}
	return p.Wait()
}

// Wait returns the step's results. Its errors are *StepError; a
// non-finite loss is a *NonFiniteLossError inside one, and the weights
// were not updated by that step (nor by any later step).
func (p *PendingStep) Wait() (StepResult, error) {
	res, err := p.wait()
	if err != nil {
		return res, &StepError{Train: p.train, Step: p.step, Err: err}
	}
	return res, nil
}

func (p *PendingStep) wait() (StepResult, error) {
	var res StepResult
	if p.err != nil {
		return res, p.err
	}
	for i, f := range p.loss {
		v, err := f.Float32()
		if err != nil {
			return res, err
		}
		if i == 0 {
			res.Loss = float64(v[0])
			continue
		}
		if res.Parts == nil {
			res.Parts = map[string]float64{}
		}
		res.Parts[p.keys[i-1]] = float64(v[0])
	}
	var err error
	if res.Pred, err = p.pred.Int32(); err != nil {
		return res, err
	}
	if p.logits != nil {
		if res.Logits, err = p.logits.Float32(); err != nil {
			return res, err
		}
	}
	if p.overflow != nil {
		v, err := p.overflow.Float32()
		if err != nil {
			return res, err
		}
		p.scaler.update(!math.IsNaN(float64(v[0])) && !math.IsInf(float64(v[0]), 0))
	}
	if err := nonFinite(res.Loss, p.train); err != nil || !p.peerNonFinite {
		return res, err
	}
	return res, &NonFiniteLossError{Loss: math.NaN(), Train: true, OtherRank: true}
}

func (s *Stepper) start(batch Batch, step int, train bool) (*PendingStep, error) {
	if s.be == nil {
		s.be = s.Model.Trainable()[0].Value.Owner()
	}
	be := s.be
	if err := s.upload(be, batch); err != nil {
		return nil, err
	}
	c := s.context(be, train)
	if train {
		c.Seed, c.Step = s.Seed, uint32(step)
		if err := s.SyncBuffers(); err != nil {
			return nil, err
		}
	}
	logits, loss, parts, err := s.forward(c, s.x, s.y)
	if err != nil {
		return nil, err
	}
	p := &PendingStep{step: step, train: train}
	pred, err := c.Alloc(ops.I32, ops.Shape{batch.Shape[0]})
	if err != nil {
		return nil, err
	}
	if err := be.Argmax(pred, logits.Value); err != nil {
		return nil, err
	}
	if p.pred, err = ops.ReadAsync(be, pred); err != nil {
		return nil, err
	}
	if s.KeepLogits {
		if p.logits, err = ops.ReadAsync(be, logits.Value); err != nil {
			return nil, err
		}
	}
	if p.loss, p.keys, err = s.readLosses(be, loss, parts); err != nil {
		return nil, err
	}
	if train {
		if err := s.guard(be, loss.Value); err != nil {
			return nil, err
		}
		if err := s.startScaling(be, c); err != nil {
			return nil, err
		}
		if err := c.Backward(loss); err != nil {
			return nil, err
		}
		if s.scaler != nil {
			guard, f, err := s.scaler.afterBackward(be, s.flag)
			if err != nil {
				return nil, err
			}
			s.Opt.SetGuard(guard)
			p.overflow, p.scaler = f, s.scaler
		}
		if s.distributed() {
			if err := s.allReduceGrads(be, p); err != nil {
				return nil, err
			}
		}
		if err := s.Opt.Step(); err != nil {
			return nil, err
		}
	}
	if err := ops.Submit(be); err != nil {
		return nil, err
	}
	return p, nil
}

// context returns the stepper's context for the mode, reset for a pass.
// The other mode's context gives its tensors back to the backend, so that
// a stepper holds one pass's tensors, not two: switching between training
// and evaluation (twice an epoch) allocates, steps in one mode do not.
func (s *Stepper) context(be ops.Backend, train bool) *graph.Context {
	i := 0
	if train {
		i = 1
	}
	if o := s.ctx[1-i]; o != nil {
		o.Release()
	}
	if s.ctx[i] == nil || s.ctx[i].B != be {
		if s.ctx[i] != nil {
			s.ctx[i].Release()
		}
		s.ctx[i] = graph.NewContext(be, train)
	}
	s.ctx[i].Reset()
	return s.ctx[i]
}

// upload checks the batch on the host and copies it into the stepper's
// device tensors, allocating them when the shape changes.
func (s *Stepper) upload(be ops.Backend, b Batch) error {
	gathered := b.Samples != nil
	if gathered && (b.store == nil || b.store.images == nil || len(b.Samples) != 2*b.Shape[0] || b.Images != nil) {
		return fmt.Errorf("batch of %d samples with shape %v: want 2 per image, no images, and the run's image store", len(b.Samples), b.Shape)
	}
	if len(b.Shape) != 4 || !b.Shape.Valid() || (!gathered && len(b.Images) != b.Shape.Numel()) {
		return fmt.Errorf("batch of %d values with shape %v: want a valid [N,C,H,W] shape of that many values", len(b.Images), b.Shape)
	}
	if len(b.Labels) != b.Shape[0] {
		return fmt.Errorf("batch of %d images has %d labels", b.Shape[0], len(b.Labels))
	}
	if err := ops.CheckLabels("labels", b.Labels, s.Model.NumClasses); err != nil {
		return err
	}
	if s.x == nil || !s.x.Shape().Equal(b.Shape) {
		s.freeBatch()
		var err error
		if s.x, err = be.Alloc(ops.F32, b.Shape); err != nil {
			return err
		}
		if s.y, err = be.Alloc(ops.I32, ops.Shape{b.Shape[0]}); err != nil {
			return err
		}
	}
	if gathered {
		if err := b.store.gather(be, s.x, &s.smp, b.Samples); err != nil {
			return err
		}
	} else if err := be.Upload(s.x, b.Images); err != nil {
		return err
	}
	return be.UploadInt(s.y, b.Labels)
}

// guard folds the step's loss into the sticky flag that every Adam update
// checks: flag += 0*loss is NaN from the first non-finite loss on. In a
// data-parallel step the probe 0*loss is folded in after its all-reduce
// (allReduceGrads), so that every rank's flag agrees.
func (s *Stepper) guard(be ops.Backend, loss *ops.Tensor) error {
	if s.flag == nil {
		var err error
		if s.flag, err = be.Alloc(ops.F32, ops.Shape{1}); err != nil {
			return err
		}
		if s.probe, err = be.Alloc(ops.F32, ops.Shape{1}); err != nil {
			return err
		}
	}
	if err := be.Scale(s.probe, loss, 0); err != nil {
		return err
	}
	if s.distributed() {
		return nil
	}
	if err := be.Add(s.flag, s.flag, s.probe); err != nil {
		return err
	}
	s.Opt.SetGuard(s.flag)
	return nil
}

// ResetGuard clears the non-finite flag, so that updates resume after a
// non-finite loss (for example after lowering the learning rate).
func (s *Stepper) ResetGuard() error {
	if s.flag == nil {
		return nil
	}
	return s.flag.Owner().Fill(s.flag, 0)
}

// Close frees the stepper's device tensors: the batch and every step's
// activations and gradients. The stepper may be used again afterwards.
func (s *Stepper) Close() {
	s.freeBatch()
	if s.scaler != nil {
		s.scaler.free(s.be)
		s.scaler = nil
	}
	for i, c := range s.ctx {
		if c != nil {
			c.Release()
		}
		s.ctx[i] = nil
	}
}

// freeBatch frees the device batch.
func (s *Stepper) freeBatch() {
	for _, t := range []*ops.Tensor{s.x, s.y, s.smp} {
		if t != nil {
			t.Owner().Free(t)
		}
	}
	s.x, s.y, s.smp = nil, nil, nil
}

func (s *Stepper) forward(c *graph.Context, x, labels *ops.Tensor) (logits, loss *graph.Var, parts []*graph.Var, err error) {
	if len(s.Criteria) == 0 {
		return nil, nil, nil, fmt.Errorf("no criterion")
	}
	weights := s.Weights
	if weights == nil && len(s.Criteria) == 1 {
		weights = one
	}
	if len(weights) != len(s.Criteria) {
		return nil, nil, nil, fmt.Errorf("%d criteria but %d weights", len(s.Criteria), len(weights))
	}
	logits, err = s.Model.Forward(c, x)
	if err != nil {
		return nil, nil, nil, err
	}
	y := c.Input(labels)
	clear(s.parts)
	parts = s.parts[:0]
	for _, cr := range s.Criteria {
		l, err := cr.Loss(c, logits, y)
		if err != nil {
			return nil, nil, nil, err
		}
		parts = append(parts, l)
	}
	s.parts = parts
	if len(parts) == 1 && weights[0] == 1 {
		return logits, parts[0], parts, nil
	}
	total, err := graph.WeightedSum(c, parts, weights)
	return logits, total, parts, err
}

func (s *Stepper) readLosses(be ops.Backend, loss *graph.Var, parts []*graph.Var) ([]ops.Future, []string, error) {
	f, err := ops.ReadAsync(be, loss.Value)
	if err != nil {
		return nil, nil, err
	}
	if len(parts) == 1 {
		return []ops.Future{f}, nil, nil
	}
	out := make([]ops.Future, 1, 1+len(parts))
	out[0] = f
	if len(s.keys) != len(parts) {
		s.keys = s.keys[:0]
		for _, cr := range s.Criteria {
			s.keys = append(s.keys, "loss_"+cr.Key())
		}
	}
	for _, p := range parts {
		f, err := ops.ReadAsync(be, p.Value)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, f)
	}
	return out, s.keys, nil
}
