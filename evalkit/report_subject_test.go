package evalkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// randomReport builds the report of n random rows of len(names) classes.
func randomReport(t *testing.T, names []string, n int, opts ReportOptions) *Report {
	t.Helper()
	k := len(names)
	r := rand.New(rand.NewPCG(uint64(k), 7))
	targets := make([]int32, n)
	logits := make([]float32, n*k)
	for i := range targets {
		targets[i] = int32(r.IntN(k))
		for c := 0; c < k; c++ {
			logits[i*k+c] = float32(r.NormFloat64())
		}
		logits[i*k+int(targets[i])] += 1
	}
	rep, err := NewReport(targets, logits, k, names, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The text report fits 80 columns with Fashion-MNIST's names, with 100
// classes, with F-beta and thresholds; names that fit stay whole, and a
// name too long for the width is shortened with an ellipsis.
func TestReportTextFits80Columns(t *testing.T) {
	fashion := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	hundred := make([]string, 100)
	for i := range hundred {
		hundred[i] = fmt.Sprintf("class_%02d", i)
	}
	hundred[1], hundred[2] = "aquarium_fish", "sweet_pepper" // CIFAR-100's longest name is 13 runes
	long := strings.Repeat("a long name ", 8)
	withLong := append(append([]string(nil), fashion[:9]...), long)
	th := func(k int) []float64 { return make([]float64, k) }
	for _, tc := range []struct {
		name  string
		names []string
		opts  ReportOptions
		whole []string // names that must appear whole
	}{
		{"fashion-mnist", fashion, ReportOptions{}, fashion},
		{"fashion-mnist, beta", fashion, ReportOptions{Beta: 0.5, Thresholds: th(10), ThresholdsFile: "t.json"}, fashion},
		{"100 classes", hundred, ReportOptions{Beta: 2, Split: "test", Epoch: 10}, hundred[:3]},
		{"a long name", withLong, ReportOptions{Beta: 2}, fashion[:9]},
	} {
		text := randomReport(t, tc.names, 2000, tc.opts).Text()
		for i, line := range strings.Split(text, "\n") {
			if n := utf8.RuneCountInString(line); n > TextWidth {
				t.Errorf("%s: line %d has %d columns: %q", tc.name, i+1, n, line)
			}
		}
		rows := map[string]bool{} // the name cell of every row
		for _, line := range strings.Split(text, "\n") {
			name, _, _ := strings.Cut(strings.TrimLeft(line, " "), "  ")
			rows[name] = true
		}
		for _, n := range tc.whole {
			if !rows[n] {
				t.Errorf("%s: %q is not whole in\n%s", tc.name, n, text)
			}
		}
		if tc.names[len(tc.names)-1] == long && !rows["a long name a l…"] {
			t.Errorf("%s: the long name is not shortened with an ellipsis:\n%s", tc.name, text)
		}
	}
}

// The report names the split, the epoch and the thresholds file in its
// title, its JSON and its Markdown; without them the title is bare.
func TestReportSubject(t *testing.T) {
	for _, tc := range []struct {
		split string
		epoch int
		want  string
	}{{"test", 3, "test split, epoch 3"}, {"valid", 0, "valid split"}, {"", 7, "epoch 7"}, {"", 0, ""}} {
		if got := Subject(tc.split, tc.epoch); got != tc.want {
			t.Errorf("Subject(%q, %d) = %q, want %q", tc.split, tc.epoch, got, tc.want)
		}
	}
	names := []string{"a", "b", "c"}
	opts := ReportOptions{Split: "test", Epoch: 3, Thresholds: []float64{0.2, 0.3, 0.4}, ThresholdsFile: "runs/th.json"}
	r, err := NewReport(repTargets, repLogits, 3, names, opts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(r.Text(), "\n")
	if lines[0] != "Classification report: test split, epoch 3" || lines[1] != "with the per-class thresholds of runs/th.json" || lines[2] != "" {
		t.Errorf("title lines %q", lines[:3])
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Split          string `json:"split"`
		Epoch          int    `json:"epoch"`
		ThresholdsFile string `json:"thresholds_file"`
	}
	if err := json.Unmarshal(js, &back); err != nil || back.Split != "test" || back.Epoch != 3 || back.ThresholdsFile != "runs/th.json" {
		t.Errorf("JSON %s: %+v, %v", js, back, err)
	}
	if md := r.Markdown(); !strings.HasPrefix(md, "Classification report: test split, epoch 3\n\nwith the per-class thresholds of runs/th.json\n\n| class |") {
		t.Errorf("Markdown:\n%s", md)
	}
	bare, err := NewReport(repTargets, repLogits, 3, names, ReportOptions{Thresholds: opts.Thresholds})
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(bare.Text(), "\n"); lines[0] != "Classification report" || lines[1] != "with per-class thresholds" {
		t.Errorf("bare title lines %q", lines[:2])
	}
	if js, _ := bare.JSON(); bytes.Contains(js, []byte(`"split"`)) || bytes.Contains(js, []byte(`"epoch"`)) {
		t.Errorf("JSON without a split and epoch names them:\n%s", js)
	}
	for _, bad := range []ReportOptions{{Epoch: -1}, {ThresholdsFile: "t.json"}} {
		var ie *InputError
		if _, err := NewReport(repTargets, repLogits, 3, nil, bad); !errors.As(err, &ie) {
			t.Errorf("NewReport(%+v): %v, want an *InputError", bad, err)
		}
	}
}

// The heat map's title names the subject, and the image widens so that a
// long title fits over a small matrix.
func TestConfusionPNGTitle(t *testing.T) {
	cm := [][]int64{{3, 1}, {0, 4}}
	var plain, titled bytes.Buffer
	if err := ConfusionPNG(&plain, cm, nil); err != nil {
		t.Fatal(err)
	}
	subject := Subject("a-split-with-a-long-name", 12)
	if err := ConfusionPNGTitled(&titled, cm, nil, subject); err != nil {
		t.Fatal(err)
	}
	p, err := png.DecodeConfig(&plain)
	if err != nil {
		t.Fatal(err)
	}
	q, err := png.DecodeConfig(&titled)
	if err != nil {
		t.Fatal(err)
	}
	f, err := face(titleSize)
	if err != nil {
		t.Fatal(err)
	}
	title := "Confusion matrix: " + subject + " (8 samples)"
	if w := textWidth(f, title); q.Width < w+2*gap || q.Width <= p.Width {
		t.Errorf("titled image %d px wide, untitled %d; the title takes %d", q.Width, p.Width, w)
	}
}
