package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"syscall"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/internal/fileerr"
)

// checkValues reports, naming the flag, a negative sample count or
// milestone (the limits, --valid-split, --milestones), an --init-from
// that is not there and a --logdir that cannot be a directory.
func (f *trainFlags) checkValues() error {
	for _, c := range []struct {
		flag, zero string
		n          int
	}{
		{"--train-limit", "0: all", f.trainLimit},
		{"--valid-limit", "0: all", f.validLimit},
		{"--test-limit", "0: all", f.testLimit},
		{"--valid-split", "0: validate on the test split", f.validSplit},
	} {
		if c.n < 0 {
			return usagef("%s %d: want a number of samples >= 0 (%s)", c.flag, c.n, c.zero)
		}
	}
	for _, m := range f.milestones {
		if m < 0 {
			return usagef("--milestones %d: want epoch numbers >= 0", m)
		}
	}
	if f.initFrom != "" && !f.resume {
		if err := inputFile("--init-from", f.initFrom); err != nil {
			return err
		}
	}
	return checkLogdir(f.logdir)
}

// checkLogdir reports a --logdir that is, or lies under, something other
// than a directory. It creates nothing.
func checkLogdir(dir string) error {
	for p := dir; ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		switch {
		case err == nil && st.IsDir():
			return nil
		case err == nil:
			return usagef("--logdir %s: %s is not a directory", dir, p)
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return usagef("--logdir %s: %s", dir, fileerr.Reason(err, p))
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// checkValidSplit reports a --valid-split that leaves no training
// samples in the loaded data set.
func checkValidSplit(n int, ds *datasets.Dataset) error {
	if total := ds.Train.Len(); n >= total {
		return usagef("--valid-split %d: want fewer than the %d training samples of %s", n, total, ds.Name)
	}
	return nil
}

// checkLossWeights reports --loss-weights that are not two finite
// weights >= 0 with at least one of them positive.
func checkLossWeights(w []float64) error {
	if len(w) != 2 {
		return usagef("--loss-weights: want two weights (ce, focal), got %d", len(w))
	}
	for _, x := range w {
		if !(x >= 0) || math.IsInf(x, 1) {
			return usagef("--loss-weights %s: want finite weights >= 0", weightsText(w))
		}
	}
	if w[0] == 0 && w[1] == 0 {
		return usagef("--loss-weights %s: want at least one weight > 0", weightsText(w))
	}
	return nil
}

// checkFocal reports a --focal-gamma or --focal-alpha out of range.
func checkFocal(gamma, alpha float64) error {
	if !(gamma >= 0) || math.IsInf(gamma, 1) {
		return usagef("--focal-gamma %g: want a finite number >= 0", gamma)
	}
	if !(alpha >= 0 && alpha <= 1) {
		return usagef("--focal-alpha %g: want a class weight in [0, 1]", alpha)
	}
	return nil
}

// checkLabelSmoothing reports a --label-smoothing outside [0, 1), or a
// non-zero one with a loss that has no cross-entropy term (--loss focal).
func checkLabelSmoothing(eps float64, loss string) error {
	if !(eps >= 0 && eps < 1) {
		return usagef("--label-smoothing %g: want 0 <= EPS < 1 (0: off)", eps)
	}
	if eps != 0 && loss == "focal" {
		return usagef("--label-smoothing %g: --loss focal has no cross-entropy to smooth (want --loss ce or ce+focal, or no --label-smoothing)", eps)
	}
	return nil
}

// weightsText is weights as they are typed: "0.5,0.5".
func weightsText(w []float64) string {
	s := ""
	for i, x := range w {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(x)
	}
	return s
}
