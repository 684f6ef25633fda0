package conformance

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// viewOptim takes several Adam (or SGD) steps with weight decay, the last
// under a NaN guard, once over flat tensors (parameters, gradients and
// state, each parameter a view) and once per separate tensor, and checks
// that every parameter and state tensor matches bit for bit.
func viewOptim(t TB, b ops.Backend, name string) {
	e := newEnv(t, b, "views/"+name)
	defer e.close()
	nState := map[string]int{"adam": 2, "sgd": 1}[name]
	flats := make([]*ops.Tensor, 2+nState) // p, g, then the state
	views := make([][]*ops.Tensor, 2+nState)
	sep := make([][]*ops.Tensor, 2+nState)
	for k := range flats {
		flats[k], views[k] = e.flatViews(viewShapes)
		sep[k] = make([]*ops.Tensor, len(viewShapes))
		for i, s := range viewShapes {
			sep[k][i] = e.zeros(s...)
		}
	}
	for i, s := range viewShapes { // p, and SGD's buffer (junk its first step replaces)
		for k := range flats {
			if k == 0 || k == 2 && name == "sgd" {
				d := e.uniform(s.Numel(), -1, 1)
				e.set(views[k][i], d)
				e.set(sep[k][i], d)
			}
		}
	}
	guard := e.tensor(ops.Shape{1}, []float32{1})
	const steps = 4
	for step := 1; step <= steps; step++ {
		for i, s := range viewShapes {
			d := e.uniform(s.Numel(), -1, 1)
			e.set(views[1][i], d)
			e.set(sep[1][i], d)
		}
		if step == steps {
			e.set(guard, []float32{float32(math.NaN())})
		}
		step1 := func(k []*ops.Tensor) error {
			if name == "adam" {
				s := ops.AdamSpec{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: step, WeightDecay: 0.1, Decoupled: step%2 == 0, Guard: guard}
				return b.Adam(k[0], k[1], k[2], k[3], s)
			}
			s := ops.SGDSpec{LR: 1e-1, Momentum: 0.9, WeightDecay: 0.01, Nesterov: step%2 == 0, First: step == 1, Guard: guard}
			return b.SGD(k[0], k[1], k[2], s)
		}
		e.ok(step1(flats), fmt.Sprintf("%s step %d over flat tensors", name, step))
		for i := range viewShapes {
			k := make([]*ops.Tensor, len(sep))
			for j := range sep {
				k[j] = sep[j][i]
			}
			e.ok(step1(k), fmt.Sprintf("%s step %d over tensor %d", name, step, i))
		}
		for k := range flats {
			if k == 1 {
				continue
			}
			for i, s := range viewShapes {
				expectClose(t, fmt.Sprintf("%s step %d over flat tensors against per tensor: tensor %d of %s", name, step, i, []string{"p", "g", "state", "state 2"}[k]),
					s, e.get(views[k][i]), f64(e.get(sep[k][i])), Tolerance{})
			}
		}
	}
}
