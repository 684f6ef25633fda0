#!/bin/bash
# device_check.sh: the WebGPU checks on a real GPU (issue 14) as two calls
# on a machine lent by the device tool (an NVIDIA GPU, CUDA PyTorch as
# python3, no Go). Prepare here, then run there:
#
#   make device-bins     # bin/device/*.gz: wgtrain and two test binaries
#   # once per checkout: the Vulkan loader debs into .gl/ (device README)
#   run  command: bash scripts/device_check.sh checks   carry: ["bin/device", ".gl"]
#   # the training runs need the data set, which does not fit beside the
#   # test binaries in one call's 64 MiB:
#   mkdir -p .devdata && cp /usr/share/datasets/fashion-mnist/*.gz .devdata/ &&
#     cp bin/device/wgtrain.gz .devdata/       # .devdata/ is in .git/info/exclude
#   run  command: bash scripts/device_check.sh train    carry: [".devdata", ".gl"]
#
# checks: the conformance suite and the trainer's WebGPU tests (the
# WebGPU-vs-CPU agreement, the pipelining counts) under CI=true with the
# adapter's limits and with the WebGPU spec's default limits; `wgtrain
# bench --profile --cost-model --json` at batch 32, 128 and 512; and
# scripts/compare_pytorch.py (PyTorch eager on CUDA) at the same batches.
# train: `wgtrain train` (exp01's defaults) and `--recipe fast` on
# Fashion-MNIST with --backend webgpu, and their summaries.
# Everything lands under $OUT; each part has its own time limit.
set -u
part=${1:-checks}
# A rehearsal on lavapipe: BATCHES="4" WIDTH=4 STEPS=2 OUT=/tmp/dc bash scripts/device_check.sh checks
BATCHES=${BATCHES:-32 128 512} WIDTH=${WIDTH:-16} STEPS=${STEPS:-30}
OUT=${OUT:-/tmp/wgtrain-device}
mkdir -p "$OUT"
exec > >(tee "$OUT/log") 2>&1
for f in .gl/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
ldconfig
if ! ldconfig -p | grep -q libvulkan; then
	echo "no Vulkan loader: put the debs in .gl/ (see the device README)"
fi
if [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
	export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export CI=true XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
bin=/tmp/wgtrain-bin
mkdir -p "$bin"
nvidia-smi -L || true

case $part in
checks)
	for f in bin/device/*.gz; do gunzip -c "$f" >"$bin/$(basename "$f" .gz)"; done
	chmod +x "$bin"/*
	python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))' || true
	for limits in adapter default; do
		export WGTRAIN_GPU_LIMITS=$limits
		echo "== conformance on WebGPU, $limits limits"
		(cd conformance && timeout 120 "$bin/conformance.test" -test.run 'WebGPU' -test.count 1 -test.v) |
			grep -E '^(--- |PASS|FAIL|ok)|adapter|limits' | grep -v -- '--- PASS' | tail -20
		echo "== trainer on WebGPU, $limits limits"
		(cd trainer && timeout 120 "$bin/trainer.test" -test.run 'WebGPU' -test.count 1 -test.v) |
			grep -E '^(--- |PASS|FAIL|ok)|^\s+[a-z_]+_test\.go:[0-9]+:' | tail -30
	done
	unset WGTRAIN_GPU_LIMITS
	for limits in default adapter; do
		echo "== 256 MiB activations (resnet9 width 64, batch 512), $limits limits"
		timeout 120 "$bin/wgtrain" bench --backend webgpu --gpu-limits $limits --width 64 --batch-size 512 --steps 10 --json
	done
	for b in $BATCHES; do
		echo "== wgtrain bench --profile, batch $b"
		timeout 120 "$bin/wgtrain" bench --backend webgpu --profile --cost-model --json --width "$WIDTH" --batch-size "$b" --steps "$STEPS" >"$OUT/profile_$b.json"
		echo "rc $? $(wc -c <"$OUT/profile_$b.json") bytes"
		echo "== compare_pytorch.py webgpu vs cuda, batch $b"
		timeout 150 python3 scripts/compare_pytorch.py --backend webgpu --device cuda --width "$WIDTH" --batch-size "$b" --steps "$STEPS" \
			--wgtrain "$bin/wgtrain" | tee "$OUT/compare_$b.txt"
	done
	;;
train)
	gunzip -c .devdata/wgtrain.gz >"$bin/wgtrain" && chmod +x "$bin/wgtrain"
	for r in exp01 fast; do
		echo "== wgtrain train --recipe $r --backend webgpu"
		time timeout 240 "$bin/wgtrain" train --recipe "$r" --backend webgpu --data-dir .devdata \
			--logdir "/tmp/runs/$r" --quiet
		cp "/tmp/runs/$r/checkpoints/metrics.json" "$OUT/metrics_$r.json" 2>/dev/null
	done
	;;
*)
	echo "usage: device_check.sh checks|train"
	exit 2
	;;
esac
