package conformance

// The broken argmax that Argmax must catch.

import "github.com/wgtrain/wgtrain/ops"

// argmaxLastTie returns the last maximum of each row.
type argmaxLastTie struct{ ops.Backend }

func (b argmaxLastTie) Argmax(pred, logits *ops.Tensor) error {
	x, err := b.Download(logits)
	if err != nil {
		return err
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	out := make([]int32, n)
	for r := 0; r < n; r++ {
		for j := 1; j < c; j++ {
			if x[r*c+j] >= x[r*c+int(out[r])] {
				out[r] = int32(j)
			}
		}
	}
	return b.UploadInt(pred, out)
}

var argmaxMutants = []mutant{
	{"argmax_last_tie", Argmax, argmaxLastTie{cpu}, []string{"the first maximum"}},
}
