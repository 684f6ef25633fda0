package graph

import (
	"errors"
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// The bounds on resnet9's sizes that NewResNet9, ResNet9State and
// ResNet9Sizes enforce. A checkpoint is untrusted: its shapes give the
// sizes of the model built to load it, and these bounds keep a crafted
// file from asking for terabytes. At the largest width the model holds
// about 420 million parameters (1.7 GB).
const (
	// MaxResNet9Width is the largest base width, wgtrain train's --width
	// bound.
	MaxResNet9Width = 512
	// MaxResNet9InChannels is the most input channels (1 for grey, 3 for
	// colour images).
	MaxResNet9InChannels = 1024
	// MaxResNet9Classes is the most classes, evalkit.MaxClasses, the most
	// that evaluation counts.
	MaxResNet9Classes = 10000
)

// checkResNet9Sizes checks resnet9's sizes against their bounds.
func checkResNet9Sizes(inChannels, numClasses, width int) error {
	switch {
	case width < 1 || width > MaxResNet9Width:
		return fmt.Errorf("graph: resnet9 width %d: want 1 to %d", width, MaxResNet9Width)
	case inChannels < 1 || inChannels > MaxResNet9InChannels:
		return fmt.Errorf("graph: resnet9 of %d input channels: want 1 to %d", inChannels, MaxResNet9InChannels)
	case numClasses < 1 || numClasses > MaxResNet9Classes:
		return fmt.Errorf("graph: resnet9 of %d classes: want 1 to %d", numClasses, MaxResNet9Classes)
	}
	return nil
}

// StateSpec describes one state_dict entry without its values: an F32
// tensor of Shape, or, when Count is set, an I64 scalar counter.
type StateSpec struct {
	Name  string
	Shape ops.Shape // nil for a counter
	Count bool
}

// Specs returns the spec of every state_dict entry of m, in State's order.
func (m *Model) Specs() []StateSpec {
	state := m.State()
	out := make([]StateSpec, len(state))
	for i, e := range state {
		out[i] = StateSpec{Name: e.Name, Count: e.Count != nil}
		if e.Tensor != nil {
			out[i].Shape = e.Tensor.Shape().Clone()
		}
	}
	return out
}

// ResNet9State returns the state_dict entries, in PyTorch's order, that
// NewResNet9(inChannels, numClasses, width, _) builds, without building
// anything: what a checkpoint must hold, checked before a model is made
// for it. The sizes must lie within the bounds above.
func ResNet9State(inChannels, numClasses, width int) ([]StateSpec, error) {
	if err := checkResNet9Sizes(inChannels, numClasses, width); err != nil {
		return nil, err
	}
	var out []StateSpec
	f32 := func(name string, shape ...int) { out = append(out, StateSpec{Name: name, Shape: shape}) }
	block := func(prefix string, in, ch int) {
		f32(prefix+".0.weight", ch, in, 3, 3)
		f32(prefix+".0.bias", ch)
		for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
			f32(prefix+".1."+s, ch)
		}
		out = append(out, StateSpec{Name: prefix + ".1.num_batches_tracked", Count: true})
	}
	for _, blk := range resnet9Blocks(inChannels, width) {
		if blk.residual {
			block(blk.name+".block.0", blk.out, blk.out)
			block(blk.name+".block.1", blk.out, blk.out)
		} else {
			block(blk.name, blk.in, blk.out)
		}
	}
	f32("6.3.weight", numClasses, 8*width)
	f32("6.3.bias", numClasses)
	return out, nil
}

// ResNet9Sizes reads the arguments NewResNet9 built a state_dict with
// from the shapes of its entries (name to shape): the first convolution's
// weight 0.0.weight is [width, inChannels, 3, 3] and the classifier's
// weight 6.3.weight is [numClasses, 8*width]. It checks the sizes against
// the bounds above, so that they are safe to build a model with, but not
// the other entries: compare them with ResNet9State's.
func ResNet9Sizes(shapes map[string][]int) (inChannels, numClasses, width int, err error) {
	conv, ok1 := shapes["0.0.weight"]
	fc, ok2 := shapes["6.3.weight"]
	if !ok1 || !ok2 || len(conv) != 4 || len(fc) != 2 {
		return 0, 0, 0, errors.New("graph: not a resnet9 state_dict (want 0.0.weight [width,in,3,3] and 6.3.weight [classes,8*width])")
	}
	inChannels, numClasses, width = conv[1], fc[0], conv[0]
	if err := checkResNet9Sizes(inChannels, numClasses, width); err != nil {
		return 0, 0, 0, fmt.Errorf("%w (0.0.weight is %v, 6.3.weight %v)", err, ops.Shape(conv), ops.Shape(fc))
	}
	return inChannels, numClasses, width, nil
}
