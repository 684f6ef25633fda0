package main

import (
	"encoding/json"
	"testing"
)

func TestBenchJSON(t *testing.T) {
	code, out, errOut := wgtrain("bench", "--backend", "cpu", "--batch-size", "2", "--steps", "2", "--width", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	for _, k := range []string{"backend", "adapter", "batch_size", "width", "train_images_per_s", "eval_images_per_s", "first_step_s", "peak_rss_mb"} {
		if _, ok := r[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	if r["backend"] != "cpu" || r["batch_size"] != 2.0 || !(r["train_images_per_s"].(float64) > 0) || !(r["peak_rss_mb"].(float64) > 0) {
		t.Errorf("bench printed %s", out)
	}
	if code, _, _ := wgtrain("bench", "--steps", "0"); code != 2 {
		t.Errorf("--steps 0: exit %d, want 2", code)
	}
}
