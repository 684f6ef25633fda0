// Package evalkit computes dataset-level classification metrics, the
// confusion matrix and its heat map, the classification report, and
// per-class decision thresholds, as REFERENCE.md sections 4 to 6 define
// them.
//
// Metrics come from exact counts over a whole loader (an Accumulator fed
// once per batch), never from a mean of per-batch values. Reports and
// threshold search work on the host in float64 from a predictions file
// (ReadPredictions), which ties training, evaluation and the command line
// together. FORMATS.md describes the predictions file and the JSON shapes
// of the report and of the thresholds file.
package evalkit
