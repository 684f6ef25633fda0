package trainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer/dist"
)

// Named is a loader with the name its logs and metrics go under.
type Named struct {
	Name   string
	Loader *datasets.Loader
}

// Config is a supervised training run: the tutorial's runner.train.
type Config struct {
	Model    *graph.Model
	Criteria []graph.Criterion
	Weights  []float32 // of the criteria; nil means 1 for a single one

	LR float64 // the optimizer's (initial) learning rate
	// Optimizer chooses Adam (the zero value), AdamW or SGD, and their
	// momentum and weight decay.
	Optimizer  OptimizerConfig
	Milestones []int // MultiStepLR: epochs at which the rate is multiplied by Gamma
	Gamma      float64
	Epochs     int
	// Schedule chooses the learning-rate schedule; the zero value is
	// MultiStepLR from LR, Milestones and Gamma.
	Schedule ScheduleConfig

	Train *datasets.Loader
	// Eval are the loaders evaluated after every epoch, in order.
	Eval []Named
	// Valid names the Eval loader whose ValidMetric picks the best epoch.
	Valid       string
	ValidMetric string // a logged key (LoggedKeys): "loss", "accuracy01", "f1/_micro", ...
	Minimize    bool
	// StopAt, when set, ends the training at the end of the first epoch
	// whose Valid loader's metric reaches the target (then the run ends as
	// usual); metrics.json and Result.StopAt record the time to it.
	StopAt *StopAt
	// TTA is the test-time augmentation of every evaluation (each epoch's
	// Eval loaders, hence the best epoch, and the final predictions and
	// report); "" is none. Training steps are not augmented by it.
	TTA TTA
	// EMA, when above 0, keeps an exponential moving average of the
	// trainable weights with this decay (EMA), updated after every
	// EMAEvery-th optimizer step (0 means 1): the average, with the live
	// batch-norm statistics, is what each epoch evaluates, what
	// best.safetensors holds and what the final predictions and report
	// use (docs/SPEC.md §7).
	EMA      float64
	EMAEvery int

	// Predict are the loaders whose predictions of the final (best) model
	// are written to predictions/<name>.csv at the end.
	Predict []Named
	// Report names the Eval or Predict loader whose final predictions
	// report.txt, report.json and confusion_matrix.png describe; "" means
	// Valid.
	Report string
	// ClassNames label the report and the confusion matrix.
	ClassNames []string

	LogDir        string
	Seed          uint64
	LoadBestOnEnd bool
	// Resume continues from LogDir's resume checkpoint (ErrNoRun when
	// there is none). Without it, a LogDir that holds another run's files
	// is refused.
	Resume bool
	// Hparams are written to hparams.json (every setting of the run).
	Hparams map[string]any
	// Progress receives progress bars on a terminal, else a line per
	// loader pass every ProgressInterval and one line per epoch; nil is
	// silent.
	Progress io.Writer
	// ProgressInterval is the time between the progress lines of a loader
	// pass when Progress is not a terminal; 0 means
	// DefaultProgressInterval.
	ProgressInterval time.Duration
	// AfterStep, when set, is called after each training step's results
	// have come back, with the 1-based epoch and the number of steps
	// trained so far.
	AfterStep func(epoch, steps int, res StepResult)

	// Comm, when it has several ranks, makes the run data-parallel as
	// PyTorch's DistributedDataParallel (dist_run.go, dist_step.go): every
	// rank runs Run with the same settings, Train and the Eval and Predict
	// loaders sharded (datasets.Shard: padded for Train, not for the
	// others); every rank starts from rank 0's state, each step averages
	// the gradients over the ranks, the metrics, predictions and report
	// are those of the whole splits, and only rank 0 writes LogDir and
	// Progress. nil is one process (dist.Single).
	Comm dist.Comm

	// DataOnDevice says where the training batches are made: DataAuto
	// (""), DataDevice or DataHost (gather.go). Results are the same
	// bit for bit either way.
	DataOnDevice string
	// Warn receives the line that says, once, why the training batches
	// are made on the host when DataOnDevice asked for the device; nil
	// is silent.
	Warn io.Writer
}

// Result is what a finished run reports.
type Result struct {
	BestEpoch  int                // 1-based
	BestMetric float64            // the valid metric at the best epoch
	Final      map[string]Metrics // per Eval and Predict loader, of the final model
	// Report is the report of the Report loader's final predictions; its
	// Split and Epoch say which loader and which epoch's model.
	Report *evalkit.Report
	// ThresholdsCV is the cross-validation of per-class thresholds on the
	// Valid loader's final predictions (thresholds_cv.json); when the split
	// is too small for it, it is nil and ThresholdsCVNote says why.
	ThresholdsCV     *evalkit.ThresholdsCV
	ThresholdsCVNote string
	// TrainS is the wall time in seconds from the run's start to the end
	// of its last epoch, TotalS to the end of the final evaluation; both
	// add up the sessions of a resumed run.
	TrainS, TotalS float64
	// Epochs is the number of epochs trained.
	Epochs int
	// StopAt is the time to Config.StopAt's target; nil without one.
	StopAt *TimeToTarget
	// LossScale and SkippedSteps are the dynamic loss scale at the end of
	// a run with binary16 activations (scaler.go) and the steps it
	// skipped for non-finite gradients in this session; 0 otherwise.
	LossScale    float64
	SkippedSteps int
}

// Metrics are the logged values of one loader for one epoch.
type Metrics map[string]float64

// ErrInterrupted is returned by Run when its context was cancelled; the
// run directory then holds a resume checkpoint at the interrupted step.
var ErrInterrupted = errors.New("trainer: interrupted; continue with --resume")

// Run trains, evaluating and logging after every epoch, and writes the run
// directory of docs/SPEC.md §7 (RunDir). A cancelled ctx stops it at the
// next batch boundary with a resume checkpoint saved (ErrInterrupted).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	r, err := newRun(cfg)
	if err != nil {
		return nil, err
	}
	defer r.close()
	if err := r.start(); err != nil {
		return nil, err
	}
	if err := r.broadcastState(); err != nil {
		return nil, err
	}
	for r.epoch < cfg.Epochs && !r.stopped {
		if err := r.trainEpoch(ctx); err != nil {
			return nil, err
		}
		if err := r.endEpoch(ctx); err != nil {
			return nil, err
		}
	}
	return r.finish(ctx)
}

// run is the state of one Run.
type run struct {
	cfg     Config
	comm    dist.Comm // never nil
	b       ops.Backend
	stepper *Stepper
	// store holds the training split on the device (gather.go), and
	// trainLoader then makes batches without images; nil: Config.Train.
	store       *imageStore
	trainLoader *datasets.Loader
	ema         *EMA // nil without Config.EMA
	sched       Schedule
	dir         RunDir
	tb          map[string]*tbWriter
	prog        *progress

	epoch      int   // 0-based epoch in progress
	batch      int   // batches of it trained
	globalStep int   // steps trained overall
	samples    int64 // samples trained overall
	train      *lossAcc
	best       bestEpoch
	history    []EpochRecord

	started       time.Time // this session's start
	elapsedBefore float64   // seconds of the sessions before a resume
	stopped       bool      // StopAt's target was reached: no more epochs
}

func (cfg *Config) check() error {
	switch {
	case cfg.Model == nil:
		return errors.New("trainer: no model")
	case cfg.Train == nil:
		return errors.New("trainer: no training loader")
	case cfg.Epochs < 1:
		return fmt.Errorf("trainer: %d epochs: want at least 1", cfg.Epochs)
	case cfg.LogDir == "":
		return errors.New("trainer: no log directory")
	case !slices.Contains([]string{"", DataAuto, DataDevice, DataHost}, cfg.DataOnDevice):
		return fmt.Errorf("trainer: data placement %q: want %s, %s or %s", cfg.DataOnDevice, DataAuto, DataDevice, DataHost)
	}
	found := false
	for _, e := range cfg.Eval {
		found = found || e.Name == cfg.Valid
		if e.Name == "train" {
			return errors.New(`trainer: an evaluation loader may not be named "train" (its logs would mix with training's)`)
		}
	}
	if !found {
		return fmt.Errorf("trainer: the validation loader %q is not among the evaluation loaders", cfg.Valid)
	}
	if cfg.Report != "" && !slices.ContainsFunc(append(slices.Clone(cfg.Eval), cfg.Predict...), func(l Named) bool { return l.Name == cfg.Report }) {
		return fmt.Errorf("trainer: the report's loader %q is not among the evaluation and prediction loaders", cfg.Report)
	}
	if err := checkMetricKey(cfg.ValidMetric, cfg.Model.NumClasses, cfg.Criteria); err != nil {
		return err
	}
	if !(cfg.EMA >= 0 && cfg.EMA < 1) || cfg.EMAEvery < 0 {
		return fmt.Errorf("trainer: EMA decay %g every %d steps: want 0 <= decay < 1 and every >= 0", cfg.EMA, cfg.EMAEvery)
	}
	if _, err := cfg.TTA.flip(); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return cfg.checkStopAt()
}

func newRun(cfg Config) (*run, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	params := cfg.Model.Trainable()
	if len(params) == 0 {
		return nil, errors.New("trainer: the model has no trainable parameters")
	}
	b := params[0].Value.Owner()
	opt, err := NewOptimizer(b, params, cfg.LR, cfg.Optimizer)
	if err != nil {
		return nil, err
	}
	sched, err := newSchedule(&cfg)
	if err != nil {
		return nil, err
	}
	train, err := newLossAcc(cfg.Model.NumClasses)
	if err != nil {
		return nil, err
	}
	r := &run{
		cfg:   cfg,
		comm:  commOf(cfg.Comm),
		b:     b,
		sched: sched,
		stepper: &Stepper{Model: cfg.Model, Criteria: cfg.Criteria, Weights: cfg.Weights, Opt: opt,
			Seed: uint32(cfg.Seed) ^ uint32(cfg.Seed>>32), KeepLogits: true, TTA: cfg.TTA, Comm: cfg.Comm},
		dir:   RunDir(cfg.LogDir),
		tb:    map[string]*tbWriter{},
		train: train,
		best:  bestEpoch{Epoch: -1},

		started: time.Now(),
	}
	if cfg.EMA > 0 {
		if r.ema, err = NewEMA(params, cfg.EMA); err != nil {
			r.stepper.Close()
			return nil, err
		}
	}
	if !r.lead() {
		cfg.Progress = nil
	}
	r.prog = newProgress(cfg.Progress, cfg.ProgressInterval)
	warn := cfg.Warn
	if !r.lead() {
		warn = nil
	}
	if err := r.setupData(warn); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *run) close() {
	r.stepper.Close()
	r.freeData()
	if r.ema != nil {
		r.ema.Close()
	}
	for _, w := range r.tb {
		w.close()
	}
}

// start loads the resume checkpoint, or checks that the run directory
// holds no other run, before it creates anything there. In a
// data-parallel run every rank reads the checkpoint (the run directory
// must be at the same path on every host), and only rank 0 creates
// anything.
func (r *run) start() error {
	if r.cfg.Resume {
		if err := r.loadResume(); err != nil {
			return err
		}
		if !r.lead() {
			// Rank 0's checkpoint holds every rank's training counts.
			r.train.reset()
		}
		if w := r.cfg.Progress; w != nil {
			if r.stopped {
				fmt.Fprintf(w, "resuming %s, which reached --stop-at %s at epoch %d: the final evaluation\n", r.cfg.LogDir, r.cfg.StopAt, r.epoch)
			} else if r.epoch < r.cfg.Epochs {
				fmt.Fprintf(w, "resuming %s at epoch %d of %d, step %d of %d\n", r.cfg.LogDir, r.epoch+1, r.cfg.Epochs, r.batch+1, r.cfg.Train.Batches())
			} else {
				fmt.Fprintf(w, "resuming %s after its last epoch (%d): the final evaluation\n", r.cfg.LogDir, r.cfg.Epochs)
			}
		}
	} else if err := r.write(r.dir.checkUnused); err != nil {
		return err
	}
	if !r.lead() {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(r.dir.best()), 0o755); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	if err := r.dir.writeHparams(r.cfg.Hparams); err != nil {
		return err
	}
	names := []string{"train"}
	for _, e := range r.cfg.Eval {
		names = append(names, e.Name)
	}
	for _, n := range names {
		w, err := newTBWriter(r.dir.tensorboard(n))
		if err != nil {
			return err
		}
		r.tb[n] = w
	}
	return nil
}
