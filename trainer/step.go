package trainer

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// Stepper runs training steps of one model: forward, the weighted sum of
// its criteria, backward, and the optimizer update.
type Stepper struct {
	Model    *graph.Model
	Criteria []graph.Criterion
	// Weights of the criteria; nil means 1 for a single criterion.
	Weights []float32
	Opt     *Adam
	// Seed selects the dropout masks (with the step number).
	Seed uint32
}

// StepResult is what one step reports.
type StepResult struct {
	// Loss is the weighted total; Parts holds each criterion's loss under
	// "loss_<key>" when there is more than one.
	Loss  float64
	Parts map[string]float64
}

// Train runs global step number step (0-based) on images x [N,C,H,W] and
// I32 labels [N]. A non-finite loss is reported as an error naming the
// step, before the optimizer touches the weights.
func (s *Stepper) Train(x, labels *ops.Tensor, step int) (StepResult, error) {
	b := x.Owner()
	c := graph.NewContext(b, true)
	defer c.Release()
	c.Seed, c.Step = s.Seed, uint32(step)
	if err := s.checkLabels(labels); err != nil {
		return StepResult{}, fmt.Errorf("trainer: step %d: %w", step, err)
	}
	loss, parts, err := s.forward(c, x, labels)
	if err != nil {
		return StepResult{}, fmt.Errorf("trainer: step %d: %w", step, err)
	}
	res, err := s.read(b, loss, parts)
	if err != nil {
		return res, fmt.Errorf("trainer: step %d: %w", step, err)
	}
	if err := c.Backward(loss); err != nil {
		return res, fmt.Errorf("trainer: step %d: %w", step, err)
	}
	if err := s.Opt.Step(); err != nil {
		return res, fmt.Errorf("trainer: step %d: %w", step, err)
	}
	return res, nil
}

func (s *Stepper) checkLabels(labels *ops.Tensor) error {
	if labels == nil || labels.DType() != ops.I32 {
		return fmt.Errorf("labels must be an i32 tensor, got %v", labels)
	}
	v, err := labels.Owner().DownloadInt(labels)
	if err != nil {
		return err
	}
	return ops.CheckLabels("labels", v, s.Model.NumClasses)
}

func (s *Stepper) forward(c *graph.Context, x, labels *ops.Tensor) (*graph.Var, []*graph.Var, error) {
	if len(s.Criteria) == 0 {
		return nil, nil, fmt.Errorf("no criterion")
	}
	weights := s.Weights
	if weights == nil && len(s.Criteria) == 1 {
		weights = []float32{1}
	}
	if len(weights) != len(s.Criteria) {
		return nil, nil, fmt.Errorf("%d criteria but %d weights", len(s.Criteria), len(weights))
	}
	logits, err := s.Model.Forward(c, x)
	if err != nil {
		return nil, nil, err
	}
	y := c.Input(labels)
	var parts []*graph.Var
	for _, cr := range s.Criteria {
		l, err := cr.Loss(c, logits, y)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, l)
	}
	if len(parts) == 1 && weights[0] == 1 {
		return parts[0], parts, nil
	}
	total, err := graph.WeightedSum(c, parts, weights)
	return total, parts, err
}

func (s *Stepper) read(b ops.Backend, loss *graph.Var, parts []*graph.Var) (StepResult, error) {
	v, err := b.Download(loss.Value)
	if err != nil {
		return StepResult{}, err
	}
	res := StepResult{Loss: float64(v[0])}
	if len(parts) > 1 {
		res.Parts = map[string]float64{}
		for i, p := range parts {
			pv, err := b.Download(p.Value)
			if err != nil {
				return res, err
			}
			res.Parts["loss_"+s.Criteria[i].Key()] = float64(pv[0])
		}
	}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return res, fmt.Errorf("the loss is %v (not finite); the weights were not updated", res.Loss)
	}
	return res, nil
}
