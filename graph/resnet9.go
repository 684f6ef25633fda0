package graph

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/wgtrain/wgtrain/ops"
)

// Model is a network with its input geometry and PyTorch-named state.
type Model struct {
	Root Module
	// InChannels, Size and NumClasses fix the input [N, InChannels, Size,
	// Size] and the output [N, NumClasses].
	InChannels, Size, NumClasses int
	// Width is resnet9's base width (16 in the tutorial).
	Width int
}

// Forward runs the model on images x and returns the logits.
func (m *Model) Forward(c *Context, x *ops.Tensor) (*Var, error) {
	if c == nil || x == nil {
		return nil, errors.New("graph: model forward with a nil context or input")
	}
	want := ops.Shape{0, m.InChannels, m.Size, m.Size}
	s := x.Shape()
	if len(s) != 4 || s[0] < 1 || s[1] != want[1] || s[2] != want[2] || s[3] != want[3] {
		return nil, fmt.Errorf("graph: model input is %v, want f32[N,%d,%d,%d]", x, m.InChannels, m.Size, m.Size)
	}
	if x.DType() != ops.F32 {
		return nil, fmt.Errorf("graph: model input is %v, want f32", x)
	}
	return m.Root.Forward(c, c.Input(x))
}

// State returns the state_dict entries in PyTorch order.
func (m *Model) State() []StateEntry { return m.Root.State(nil) }

// Params returns every parameter and running statistic in state_dict order.
func (m *Model) Params() []*Param { return m.Root.Params(nil) }

// Trainable returns the parameters the optimizer updates, in state_dict
// order (PyTorch's model.parameters() order).
func (m *Model) Trainable() []*Param {
	var out []*Param
	for _, p := range m.Params() {
		if p.Trainable() {
			out = append(out, p)
		}
	}
	return out
}

// NumTrainable returns the number of trainable scalars.
func (m *Model) NumTrainable() int {
	n := 0
	for _, p := range m.Trainable() {
		n += p.Value.Numel()
	}
	return n
}

// convBlock is the tutorial's conv_block: conv3x3 pad 1, batch norm, ReLU,
// and optionally MaxPool2d(2), named prefix.0 .. prefix.3.
func convBlock(b ops.Backend, prefix string, in, out int, pool bool) (*Sequential, error) {
	conv, err := NewConv2d(b, prefix+".0", in, out, 3, ops.ConvSpec{Stride: 1, Padding: 1})
	if err != nil {
		return nil, err
	}
	bn, err := NewBatchNorm2d(b, prefix+".1", out)
	if err != nil {
		return nil, err
	}
	s := &Sequential{Name: prefix, Modules: []Module{conv, bn, &ReLU{Name: prefix + ".2"}}}
	if pool {
		s.Modules = append(s.Modules, &MaxPool2d{Name: prefix + ".3", K: 2})
	}
	return s, nil
}

func residual(b ops.Backend, prefix string, ch int) (*Residual, error) {
	first, err := convBlock(b, prefix+".block.0", ch, ch, false)
	if err != nil {
		return nil, err
	}
	second, err := convBlock(b, prefix+".block.1", ch, ch, false)
	if err != nil {
		return nil, err
	}
	return &Residual{Name: prefix, Block: &Sequential{Name: prefix + ".block", Modules: []Module{first, second}}}, nil
}

// NewResNet9 builds the tutorial's resnet9(inChannels, numClasses, width)
// on 32x32 inputs, with the structure and parameter names of docs/SPEC.md
// §1. Parameters start as PyTorch's constructors leave batch norm
// (weight 1, bias 0) and zero elsewhere: call InitPyTorch or load a state.
// dropout is the probability of the Dropout before the classifier (0.2 in
// the tutorial). The sizes must lie within the bounds of resnet9_state.go
// (width 1 to MaxResNet9Width and so on).
func NewResNet9(b ops.Backend, inChannels, numClasses, width int, dropout float32) (*Model, error) {
	if err := checkResNet9Sizes(inChannels, numClasses, width); err != nil {
		return nil, err
	}
	if !(dropout >= 0 && dropout < 1) {
		return nil, fmt.Errorf("graph: resnet9 dropout %g: want 0 <= p < 1", dropout)
	}
	wrap := func(err error) error { return fmt.Errorf("graph: resnet9: %w", err) }
	var mods []Module
	for _, blk := range resnet9Blocks(inChannels, width) {
		var m Module
		var err error
		if blk.residual {
			m, err = residual(b, blk.name, blk.out)
		} else {
			m, err = convBlock(b, blk.name, blk.in, blk.out, blk.pool)
		}
		if err != nil {
			return nil, wrap(err)
		}
		mods = append(mods, m)
	}
	lin, err := NewLinear(b, "6.3", 8*width, numClasses)
	if err != nil {
		return nil, wrap(err)
	}
	mods = append(mods, &Sequential{Name: "6", Modules: []Module{
		&MaxPool2d{Name: "6.0", K: 4}, &Flatten{Name: "6.1"}, &Dropout{Name: "6.2", P: dropout}, lin,
	}})
	return &Model{Root: &Sequential{Modules: mods}, InChannels: inChannels, Size: 32, NumClasses: numClasses, Width: width}, nil
}

// resnet9Block is one of resnet9's six convolutional stages: a conv block
// (conv, batch norm, ReLU, optionally max pool) or a residual of two.
type resnet9Block struct {
	name     string
	in, out  int
	pool     bool
	residual bool
}

// resnet9Blocks lists the stages of resnet9(inChannels, _, width), for
// NewResNet9 and ResNet9State alike.
func resnet9Blocks(inChannels, width int) []resnet9Block {
	w1, w2, w4, w8 := width, 2*width, 4*width, 8*width
	return []resnet9Block{
		{"0", inChannels, w1, false, false},
		{"1", w1, w2, true, false},
		{"2", w2, w2, false, true},
		{"3", w2, w4, true, false},
		{"4", w4, w8, true, false},
		{"5", w8, w8, false, true},
	}
}

// InitPyTorch initializes the model as PyTorch's constructors do: every
// conv and linear weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// with fan_in = in*kh*kw (kaiming_uniform with a = sqrt(5)), batch norm
// weight 1, bias 0, running mean 0, running var 1. The draws come from
// rng, so a seed gives the same model on every backend (not the same
// numbers as PyTorch's generator).
func (m *Model) InitPyTorch(b ops.Backend, rng *rand.Rand) error {
	var walk func(mod Module) error
	walk = func(mod Module) error {
		switch l := mod.(type) {
		case *Sequential:
			for _, c := range l.Modules {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *Residual:
			return walk(l.Block)
		case *Conv2d:
			s := l.Weight.Value.Shape()
			return uniformInit(b, rng, s[1]*s[2]*s[3], l.Weight, l.Bias)
		case *Linear:
			return uniformInit(b, rng, l.Weight.Value.Shape()[1], l.Weight, l.Bias)
		case *BatchNorm2d:
			return l.Reset(b)
		}
		return nil
	}
	return walk(m.Root)
}

func uniformInit(b ops.Backend, rng *rand.Rand, fanIn int, ps ...*Param) error {
	bound := 1 / math.Sqrt(float64(fanIn))
	for _, p := range ps {
		data := make([]float32, p.Value.Numel())
		for i := range data {
			data[i] = float32((rng.Float64()*2 - 1) * bound)
		}
		if err := b.Upload(p.Value, data); err != nil {
			return err
		}
	}
	return nil
}
