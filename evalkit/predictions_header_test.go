package evalkit

import (
	"errors"
	"strings"
	"testing"
)

// A header that lacks a column gets an error naming that column, on
// line 1 or on the row whose target needs it.
func TestParsePredictionsNamesTheMissingColumn(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		line      int
		msg       string
	}{
		{"no target", "index,logit_0,logit_1\n0,0.5,1\n", 1, `no "target" column`},
		{"no index", "target,logit_0,logit_1\n0,0.5,1\n", 1, `no "index" column`},
		{"target first", "target,index,logit_0\n0,0,1\n", 1, `column 1 is "target", want "index"`},
		{"no logits", "index,target\n0,0\n", 1, "no logit columns"},
		{"no logit_1", "index,target,logit_0,logit_2\n0,0,1,2\n", 1, `no "logit_1" column (column 4 is "logit_2"`},
		{"misnamed logit", "index,target,logit_0,score\n0,0,1,2\n", 1, `column 4 is "score", want "logit_1"`},
		// The last logit column is gone: a row with that class says so.
		{"no last logit", "index,target,logit_0,logit_1\n0,1,1,2\n1,2,1,2\n", 3, `target 2 outside the 2 classes [0, 2): the header has no "logit_2" column`},
		{"negative target", "index,target,logit_0,logit_1\n0,-2,1,2\n", 2, "target -2 outside the 2 classes"},
	} {
		_, err := ParsePredictions(strings.NewReader(tc.csv), "p.csv")
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Line != tc.line || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%s: %v; want a *FormatError on line %d saying %q", tc.name, err, tc.line, tc.msg)
		}
	}
}
