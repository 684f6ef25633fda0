package trainer_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/trainer"
)

// lrClose reports whether got is within relative tolerance rtol of want.
func lrClose(got, want, rtol float64) bool {
	return math.Abs(got-want) <= rtol*math.Abs(want)
}

func TestMultiStepLR(t *testing.T) {
	cases := []struct {
		name       string
		base       float64
		milestones []int
		gamma      float64
		want       []float64 // learning rate of epochs 0, 1, ...
	}{
		{
			// The tutorial: 1-based epochs 1-5 at 1e-3, 6-8 at 3e-4, 9-10 at 9e-5.
			name: "tutorial", base: 1e-3, milestones: []int{5, 8}, gamma: 0.3,
			want: []float64{1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 3e-4, 3e-4, 3e-4, 9e-5, 9e-5},
		},
		{
			name: "unsorted", base: 1, milestones: []int{6, 2, 4}, gamma: 0.5,
			want: []float64{1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125},
		},
		{
			name: "repeated counts twice", base: 0.1, milestones: []int{3, 1, 3}, gamma: 0.1,
			want: []float64{0.1, 0.01, 0.01, 1e-4, 1e-4},
		},
		{
			name: "listed three times", base: 1e-3, milestones: []int{2, 5, 2, 2}, gamma: 0.3,
			want: []float64{1e-3, 1e-3, 2.7e-5, 2.7e-5, 2.7e-5, 8.1e-6, 8.1e-6},
		},
		{
			name: "milestone 0 applies from the start", base: 2, milestones: []int{0}, gamma: 0.25,
			want: []float64{0.5, 0.5},
		},
		{
			name: "no milestones", base: 3e-3, milestones: nil, gamma: 0.1,
			want: []float64{3e-3, 3e-3, 3e-3},
		},
		{
			name: "gamma above 1", base: 1e-4, milestones: []int{1, 2}, gamma: 10,
			want: []float64{1e-4, 1e-3, 1e-2, 1e-2},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := trainer.NewMultiStepLR(c.base, c.milestones, c.gamma)
			if err != nil {
				t.Fatal(err)
			}
			for e, want := range c.want {
				if got := s.LR(e); !lrClose(got, want, 1e-12) {
					t.Errorf("LR(%d) = %.17g, want %.17g", e, got, want)
				}
			}
		})
	}
}

// TestMultiStepLRPyTorchBits compares exactly with the rates PyTorch 1.13
// reported (optimizer.param_groups[0]["lr"] before each epoch, printed with
// repr), which LR reproduces to the last bit by multiplying as it does.
func TestMultiStepLRPyTorchBits(t *testing.T) {
	cases := []struct {
		base       float64
		milestones []int
		gamma      float64
		want       []float64
	}{
		{1e-3, []int{5, 8}, 0.3, []float64{0.001, 0.001, 0.001, 0.001, 0.001, 0.0003, 0.0003, 0.0003, 8.999999999999999e-05, 8.999999999999999e-05}},
		{0.1, []int{3, 1, 3}, 0.1, []float64{0.1, 0.010000000000000002, 0.010000000000000002, 0.00010000000000000005, 0.00010000000000000005}},
		{1e-3, []int{2, 2, 2, 5}, 0.3, []float64{0.001, 0.001, 2.6999999999999996e-05, 2.6999999999999996e-05, 2.6999999999999996e-05, 8.099999999999999e-06}},
	}
	for _, c := range cases {
		s, err := trainer.NewMultiStepLR(c.base, c.milestones, c.gamma)
		if err != nil {
			t.Fatal(err)
		}
		for e, want := range c.want {
			if got := s.LR(e); got != want {
				t.Errorf("%v %v %v: LR(%d) = %.17g, PyTorch %.17g", c.base, c.milestones, c.gamma, e, got, want)
			}
		}
	}
}

// TestMultiStepLRCopiesMilestones checks that changing the caller's slice
// afterwards does not change the schedule.
func TestMultiStepLRCopiesMilestones(t *testing.T) {
	ms := []int{1}
	s, err := trainer.NewMultiStepLR(1, ms, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	ms[0] = 100
	if got := s.LR(1); got != 0.5 {
		t.Errorf("LR(1) = %v after the caller's milestones changed, want 0.5", got)
	}
}

// TestMultiStepLRStructLiteral checks that a schedule built without the
// constructor, milestones unsorted, gives the same rates.
func TestMultiStepLRStructLiteral(t *testing.T) {
	s := &trainer.MultiStepLR{Base: 1e-3, Milestones: []int{8, 5}, Gamma: 0.3}
	if got := s.LR(9); !lrClose(got, 9e-5, 1e-12) {
		t.Errorf("LR(9) = %v, want 9e-5", got)
	}
	if got := s.LR(-1); got != 1e-3 {
		t.Errorf("LR(-1) = %v, want the base rate", got)
	}
}

func TestNewMultiStepLRErrors(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name       string
		base       float64
		milestones []int
		gamma      float64
		msg        string
	}{
		{"zero base", 0, nil, 0.1, "base learning rate 0"},
		{"negative base", -1e-3, nil, 0.1, "base learning rate -0.001"},
		{"NaN base", nan, nil, 0.1, "base learning rate NaN"},
		{"infinite base", inf, nil, 0.1, "base learning rate +Inf"},
		{"zero gamma", 1e-3, nil, 0, "gamma 0"},
		{"negative gamma", 1e-3, nil, -0.3, "gamma -0.3"},
		{"NaN gamma", 1e-3, nil, nan, "gamma NaN"},
		{"infinite gamma", 1e-3, nil, -inf, "gamma -Inf"},
		{"negative milestone", 1e-3, []int{5, -1}, 0.3, "milestone -1 (index 1) is negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := trainer.NewMultiStepLR(c.base, c.milestones, c.gamma)
			var se *trainer.ScheduleError
			if s != nil || !errors.As(err, &se) {
				t.Fatalf("NewMultiStepLR = %v, %v; want a *ScheduleError", s, err)
			}
			if !strings.HasPrefix(err.Error(), "trainer: MultiStepLR: ") || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}
