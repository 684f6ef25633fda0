package evalkit

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"unicode/utf8"
)

// reportLine is one line of the report's tables, its cells already
// formatted; an empty cell is left blank.
type reportLine struct {
	class string // the class index, empty for the summary rows
	name  string
	cells []string // one per column of Report.columns
}

// columns returns the titles of the number columns and their CSV names.
func (r *Report) columns() (titles, csvNames []string) {
	titles = []string{"precision", "recall", "f1-score"}
	csvNames = []string{"precision", "recall", "f1"}
	if r.Beta != 0 {
		titles = append(titles, FBetaName(r.Beta)+"-score")
		csvNames = append(csvNames, "fbeta")
	}
	titles = append(titles, "auc", "support", "support (%)")
	csvNames = append(csvNames, "auc", "support", "support_pct")
	return titles, csvNames
}

// lines returns the rows of the report with numbers formatted by f (for
// the metrics) and pct (for the support share).
func (r *Report) lines(f func(float64) string, pct func(float64) string) []reportLine {
	optF := func(v *float64) string {
		if v == nil {
			return ""
		}
		return f(*v)
	}
	cells := func(p, rc, f1 string, fb, auc *float64, support int64, share float64) []string {
		c := []string{p, rc, f1}
		if r.Beta != 0 {
			c = append(c, optF(fb))
		}
		return append(c, optF(auc), strconv.FormatInt(support, 10), pct(share))
	}
	rowCells := func(m RowMetrics) []string {
		return cells(f(m.Precision), f(m.Recall), f(m.F1), m.FBeta, m.AUC, m.Support, m.SupportPct)
	}
	var out []reportLine
	for _, c := range r.Classes {
		out = append(out, reportLine{strconv.Itoa(c.Class), c.Name, rowCells(c.RowMetrics)})
	}
	out = append(out, reportLine{"", "accuracy", cells("", "", f(r.Accuracy), nil, nil, r.Support, 100)})
	for _, a := range []struct {
		name string
		row  AverageRow
	}{{"micro avg", r.Micro}, {"macro avg", r.Macro}, {"weighted avg", r.Weighted}} {
		out = append(out, reportLine{"", a.name, rowCells(a.row)})
	}
	return out
}

func decimals(digits int) func(float64) string {
	return func(v float64) string { return strconv.FormatFloat(v, 'f', digits, 64) }
}

// TextWidth is the most columns a line of Text's table takes: class
// names that would make it wider are shortened with an ellipsis.
const TextWidth = 80

// Text returns the report as an aligned text table in the manner of
// scikit-learn's classification_report: four decimals, support share with
// two (the column "%"), a blank line before the summary rows. A title
// line comes first: "Classification report", followed by the Subject
// when known, and a line naming the per-class thresholds when they were
// applied. The table fits TextWidth columns.
func (r *Report) Text() string {
	titles, _ := r.columns()
	titles[len(titles)-1] = "%"
	lines := r.lines(decimals(4), decimals(2))
	widths := make([]int, len(titles))
	rest := 0
	for i, t := range titles {
		widths[i] = len(t)
		for _, l := range lines {
			widths[i] = max(widths[i], len(l.cells[i]))
		}
		rest += 2 + widths[i]
	}
	const minName = len("weighted avg")
	nameW := minName
	for _, l := range lines {
		nameW = max(nameW, utf8.RuneCountInString(l.name))
	}
	nameW = min(nameW, max(TextWidth-rest, minName))
	var b strings.Builder
	b.WriteString(strings.Join(r.title(), "\n") + "\n\n")
	pad := func(s string, w int) {
		for n := utf8.RuneCountInString(s); n < w; n++ {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	pad("", nameW)
	for i, t := range titles {
		b.WriteString("  ")
		pad(t, widths[i])
	}
	b.WriteString("\n\n")
	for i, l := range lines {
		if i == len(r.Classes) {
			b.WriteByte('\n')
		}
		pad(shorten(l.name, nameW), nameW)
		for j, c := range l.cells {
			b.WriteString("  ")
			pad(c, widths[j])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// title returns the title lines of Text and Markdown: "Classification
// report", with the Subject when known, and a line saying that per-class
// thresholds were applied, naming their file when known.
func (r *Report) title() []string {
	t := []string{"Classification report"}
	if s := r.Subject(); s != "" {
		t[0] += ": " + s
	}
	switch {
	case r.Thresholds != nil && r.ThresholdsFile != "":
		t = append(t, "with the per-class thresholds of "+r.ThresholdsFile)
	case r.Thresholds != nil:
		t = append(t, "with per-class thresholds")
	}
	return t
}

// shorten cuts s to n runes, the last one an ellipsis, when it is longer.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Markdown returns the report as a Markdown table (four decimals), the
// summary rows in bold. When the Subject or thresholds are known, the
// title lines of Text come first, each a paragraph.
func (r *Report) Markdown() string {
	titles, _ := r.columns()
	var b strings.Builder
	if r.Subject() != "" || r.Thresholds != nil {
		for _, t := range r.title() {
			b.WriteString(markdownEscape(t) + "\n\n")
		}
	}
	b.WriteString("| class |")
	for _, t := range titles {
		b.WriteString(" " + t + " |")
	}
	b.WriteString("\n|:---|")
	for range titles {
		b.WriteString("---:|")
	}
	b.WriteByte('\n')
	for i, l := range r.lines(decimals(4), decimals(2)) {
		name := markdownEscape(l.name)
		if i >= len(r.Classes) {
			name = "**" + name + "**"
		}
		b.WriteString("| " + name + " |")
		for _, c := range l.cells {
			b.WriteString(" " + c + " |")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// markdownEscape escapes what would break a table cell or start markup.
func markdownEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '|', '\\', '*', '_', '`', '[', ']', '<', '>', '#':
			b.WriteByte('\\')
		case '\n', '\r':
			c = ' '
		}
		b.WriteRune(c)
	}
	return b.String()
}

// CSV returns the report as CSV with a header line: class, name, then the
// metric columns (precision, recall, f1, fbeta when asked for, auc,
// support, support_pct) with numbers written shortest-exact; the summary
// rows have an empty class and the names accuracy, micro avg, macro avg
// and weighted avg, and the accuracy row has its value under f1.
func (r *Report) CSV() string {
	_, names := r.columns()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(append([]string{"class", "name"}, names...))
	exact := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, l := range r.lines(exact, exact) {
		w.Write(append([]string{l.class, l.name}, l.cells...))
	}
	w.Flush()
	return buf.String()
}
