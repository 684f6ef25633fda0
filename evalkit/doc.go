// Package evalkit computes dataset-level classification metrics, the
// confusion matrix and its heat map, the classification report, and
// per-class decision thresholds, as docs/SPEC.md §4 to §6 define them,
// and reads and writes the files that carry them: predictions files,
// thresholds files and the confusion matrix PNG (docs/SPEC.md §8).
//
// Metrics come from exact counts over a whole loader (an Accumulator fed
// once per batch), never from a mean of per-batch values; the arithmetic
// from counts to metrics is in one place (stats.go), shared by the
// Accumulator, the Report, Score and the threshold search. Reports and
// threshold search work on the host in float64 from a predictions file
// (ReadPredictions), which ties training, evaluation and the command line
// together. The counts of several ranks of a data-parallel run combine
// exactly (merge.go: Counts, MergeCounts, MergePredictions), and loss sums
// through Sum, an exact float64 sum (docs/SPEC.md §4).
package evalkit
