package htmlreport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// LoadLogs reads the per-loader logs of a run directory, dir/logs/<loader>.csv
// (a header "step,key1,key2,..." then one row per epoch; an empty cell is a
// value not logged), into one CurveSet per metric key, sorted by key, each
// with a Series per loader sorted by loader name. logs/epoch.csv (the
// learning rate) is not a loader and is skipped. A run directory without
// logs gives nil and no error; a malformed file is an error naming it and
// the line.
func LoadLogs(dir string) ([]CurveSet, error) {
	files, err := filepath.Glob(filepath.Join(dir, "logs", "*.csv"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	byKey := map[string][]Series{}
	for _, f := range files {
		loader := strings.TrimSuffix(filepath.Base(f), ".csv")
		if loader == "epoch" {
			continue
		}
		series, err := readLog(f, loader)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for key, s := range series {
			byKey[key] = append(byKey[key], s)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []CurveSet
	for _, k := range keys {
		out = append(out, CurveSet{Key: k, Series: byKey[k]})
	}
	return out, nil
}

// readLog reads one loader's log into a Series per key.
func readLog(path, loader string) (map[string]Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("htmlreport: %s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	head := rows[0]
	if len(head) < 1 || head[0] != "step" {
		return nil, fmt.Errorf("htmlreport: %s:1: want a header starting with \"step\", got %q", path, strings.Join(head, ","))
	}
	out := map[string]Series{}
	for line, row := range rows[1:] {
		epoch, err := strconv.Atoi(row[0])
		if err != nil || epoch < 0 {
			return nil, fmt.Errorf("htmlreport: %s:%d: step %q: want a whole number ≥ 0", path, line+2, row[0])
		}
		for j, key := range head[1:] {
			cell := row[j+1]
			if cell == "" {
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return nil, fmt.Errorf("htmlreport: %s:%d: %s %q: not a number", path, line+2, key, cell)
			}
			s := out[key]
			s.Loader = loader
			s.Epochs, s.Values = append(s.Epochs, epoch), append(s.Values, v)
			out[key] = s
		}
	}
	return out, nil
}
