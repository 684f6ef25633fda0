// Package trainer holds what turns a model and data into a trained model:
// the Adam optimizer, learning-rate schedules, checkpoints in safetensors
// with PyTorch names, and (later) the training runner and its logging.
package trainer
