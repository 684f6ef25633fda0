package conformance

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wgtrain/wgtrain/ops"
)

// recorder is a TB that records failures instead of failing, so the
// self-test can run a suite function on a broken backend and check that
// it reports the breakage. Subtests run on their own goroutine, so that
// Fatalf (runtime.Goexit) ends only the subtest, as with *testing.T.
type recorder struct {
	mu     sync.Mutex
	name   string
	errs   []string
	failed bool
}

func (r *recorder) Helper()                         {}
func (r *recorder) Logf(format string, args ...any) {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.errs = append(r.errs, r.name+": "+fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Run(name string, f func(TB)) bool {
	child := &recorder{name: r.name + "/" + name}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				child.Errorf("panic: %v", p)
			}
		}()
		f(child)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, child.errs...)
	r.failed = r.failed || child.failed
	return !child.failed
}

// mutant is a broken backend, the CPU backend with one thing wrong, and
// what must catch it: the family run on it must fail, with each of want
// in some failure message. Each family's mutants are in its _test.go file.
type mutant struct {
	name   string
	family func(TB, ops.Backend)
	b      ops.Backend
	want   []string
}

// cpu is the backend the mutants embed.
var cpu = ops.NewCPU()

// withTensor runs f on a temporary F32 tensor of the given shape holding
// data.
func withTensor(b ops.Backend, shape ops.Shape, data []float32, f func(*ops.Tensor) error) error {
	t, err := b.Alloc(ops.F32, shape)
	if err != nil {
		return err
	}
	defer b.Free(t)
	if err := b.Upload(t, data); err != nil {
		return err
	}
	return f(t)
}

// leaveUnwritten runs op, which writes t, then puts t's elements from
// index from on back as they were: the mistake of an operation that stops
// short.
func leaveUnwritten(b ops.Backend, t *ops.Tensor, from int, op func() error) error {
	before, err := b.Download(t)
	if err != nil {
		return err
	}
	if err := op(); err != nil || len(before) <= from {
		return err
	}
	after, err := b.Download(t)
	if err != nil {
		return err
	}
	copy(after[from:], before[from:])
	return b.Upload(t, after)
}

// TestSuiteCatches runs suite functions on the broken backends and checks
// that each reports its breakage, with the words that identify the check.
func TestSuiteCatches(t *testing.T) {
	cases := slices.Concat(convMutants, bnMutants, bnReLUMutants, bnPoolMutants, reluMutants, maxPoolMutants, dropoutMutants, linearMutants,
		gemmMutants, lossMutants, adamMutants, sgdMutants, viewMutants, argmaxMutants, gatherMutants, elementwiseMutants, errorsMutants)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{name: c.name}
			rec.Run("suite", func(tb TB) { c.family(tb, c.b) })
			if !rec.failed {
				t.Fatalf("the suite did not notice the broken backend")
			}
			all := strings.Join(rec.errs, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("no failure mentions %q; failures:\n%s", w, all)
				}
			}
			if testing.Verbose() {
				t.Logf("%d failures, the first: %s", len(rec.errs), rec.errs[0])
			}
		})
	}
}

// TestRecorderPasses checks that the recorder itself reports no failure
// when the backend is right, so that TestSuiteCatches means something.
func TestRecorderPasses(t *testing.T) {
	rec := &recorder{name: "cpu"}
	rec.Run("suite", func(tb TB) {
		for _, f := range []func(TB, ops.Backend){ReLU, Dropout, Linear, WeightedSum, Argmax} {
			f(tb, ops.NewCPU())
		}
	})
	if rec.failed {
		t.Errorf("failures on the CPU backend:\n%s", strings.Join(rec.errs, "\n"))
	}
}
