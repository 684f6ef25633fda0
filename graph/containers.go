package graph

// Sequential applies its modules in order; their state_dict names are
// prefixed by their index.
type Sequential struct {
	Name    string
	Modules []Module
}

// Forward chains the modules; a BatchNorm2d followed by a ReLU runs as
// one fused operation when the backend has it (batchnorm_relu.go), and
// with the MaxPool2d after them too when the backend fuses that
// (batchnorm_relu_pool.go).
func (s *Sequential) Forward(c *Context, x *Var) (*Var, error) {
	var err error
	for i := 0; i < len(s.Modules); i++ {
		if i+2 < len(s.Modules) {
			if l, f, ok := fuseBNReLUPool(c.B, s.Modules[i], s.Modules[i+1], s.Modules[i+2]); ok {
				if x, err = l.forward(c, f, x); err != nil {
					return nil, err
				}
				i += 2
				continue
			}
		}
		if i+1 < len(s.Modules) {
			if l, f, ok := fuseBNReLU(c.B, s.Modules[i], s.Modules[i+1]); ok {
				if x, err = l.forward(c, f, x); err != nil {
					return nil, err
				}
				i++
				continue
			}
		}
		if x, err = s.Modules[i].Forward(c, x); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// State concatenates the modules' entries.
func (s *Sequential) State(out []StateEntry) []StateEntry {
	for _, m := range s.Modules {
		out = m.State(out)
	}
	return out
}

// Params concatenates the modules' parameters.
func (s *Sequential) Params(out []*Param) []*Param {
	for _, m := range s.Modules {
		out = m.Params(out)
	}
	return out
}

// Residual is the tutorial's ResidualBlock: y = Block(x) + x, with no
// activation after the sum. Its block's names carry the prefix "block".
type Residual struct {
	Name  string
	Block Module
}

// Forward adds the block's output to its input.
func (r *Residual) Forward(c *Context, x *Var) (*Var, error) {
	f, err := r.Block.Forward(c, x)
	if err != nil {
		return nil, err
	}
	y, err := c.newAct(x.Value.Shape(), true)
	if err != nil {
		return nil, err
	}
	if err := c.B.Add(y.Value, f.Value, x.Value); err != nil {
		return nil, layerErr(r.Name, "add", err)
	}
	c.record(node{op: r, x: f, x2: x, y: y})
	return y, nil
}

// backward passes y's gradient to both addends unchanged, as the same
// tensor rather than two copies (passGrad: a tensor handed over is never
// written again, so later sums into either addend's gradient go to a new
// tensor).
func (r *Residual) backward(c *Context, n *node) error {
	if err := c.passGrad(n.x, n.y.grad); err != nil {
		return layerErr(r.Name, "add_backward", err)
	}
	return layerErr(r.Name, "add_backward", c.passGrad(n.x2, n.y.grad))
}

// State lists the block's entries.
func (r *Residual) State(out []StateEntry) []StateEntry { return r.Block.State(out) }

// Params lists the block's parameters.
func (r *Residual) Params(out []*Param) []*Param { return r.Block.Params(out) }
