package evalkit

import (
	"encoding/json"
	"testing"
)

func TestAccumulatorJSONRoundTrip(t *testing.T) {
	a := must(NewAccumulator(4))
	logits := []float32{1, 2, 3, 4, 4, 3, 2, 1, 0, 5, 1, 1}
	if err := a.Add([]int32{3, 0, 1}, []int32{3, 1, 1}, logits); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b := must(NewAccumulator(4))
	if err := json.Unmarshal(data, b); err != nil {
		t.Fatal(err)
	}
	ma, mb := a.Metrics(), b.Metrics()
	if len(ma) != len(mb) {
		t.Fatalf("%d keys vs %d", len(ma), len(mb))
	}
	for k, v := range ma {
		if mb[k] != v {
			t.Errorf("%s = %v after the round trip, want %v", k, mb[k], v)
		}
	}
	for _, bad := range []string{
		`{"classes":3,"confusion":[0,0,0,0,0,0,0,0,0],"rows":0,"logit_rows":0,"topk_hits":[0,0,0]}`,
		`{"classes":4,"confusion":[1,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0],"rows":2,"logit_rows":0,"topk_hits":[0,0,0]}`,
		`{"classes":4,"confusion":[-1,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,1],"rows":0,"logit_rows":0,"topk_hits":[0,0,0]}`,
		`{"classes":4,"confusion":[1,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0],"rows":1,"logit_rows":1,"topk_hits":[2,0,0]}`,
		`[`,
	} {
		if err := json.Unmarshal([]byte(bad), must(NewAccumulator(4))); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
