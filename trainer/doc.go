// Package trainer turns a model and data into a trained model and its run
// directory.
//
// Run is the training runner (the tutorial's runner.train): per epoch it
// trains with its Optimizer (Adam, AdamW or SGD) under a Schedule, evaluates,
// logs (CSV, TensorBoard, a progress bar) and keeps the best and last
// checkpoints and a resume checkpoint; at the end it writes the
// predictions, the classification report, the confusion matrix and the
// curves into the run directory (RunDir, docs/SPEC.md §7). Its parts are
// usable alone: Stepper runs pipelined training and evaluation steps,
// Evaluate and Predict run a model over a loader, and SaveState and
// LoadState move a model's state_dict to and from safetensors with
// PyTorch's names (docs/SPEC.md §8.4); ReadCheckpoint validates an
// untrusted checkpoint whole before a model is built for it. With a
// Config.Comm of several ranks (trainer/dist), Run trains data-parallel
// as PyTorch's DistributedDataParallel (dist_run.go, dist_step.go). On a
// backend with ops.GatherBackend, Run can hold each split's images on the
// device as bytes and upload only each step's indices and draws
// (Config.DataOnDevice, gather.go). On a backend whose activations are
// binary16 (ops.ActBackend), the Stepper scales the loss dynamically as
// PyTorch's GradScaler does (scaler.go).
package trainer
