#!/bin/bash
# device_check.sh: the WebGPU checks and the PyTorch CUDA comparison of
# issue 7, as one call on a machine lent by the device tool (an NVIDIA GPU
# with CUDA PyTorch as python3, no Go). Prepare here, then run there:
#
#   make device-bins              # bin/device/*.gz: wgtrain and two test binaries
#   # once per checkout: the Vulkan loader debs into .gl/ (device README)
#   run  command: bash scripts/device_check.sh   carry: ["bin/device", ".gl"]
#
# It writes everything under $OUT: the adapter, the conformance suite and
# the trainer's WebGPU tests under CI=true (no skipping), wgtrain bench on
# webgpu and cpu, and compare_pytorch.py at batch 32 and 512 against
# PyTorch on CUDA. Each part has its own time limit so that one slow part
# does not cost the rest.
set -u
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
for f in bin/device/*.gz; do gunzip -c "$f" >"$bin/$(basename "$f" .gz)"; done
chmod +x "$bin"/*
nvidia-smi -L || true
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))' || true

echo "== conformance on WebGPU"
(cd conformance && timeout 120 "$bin/conformance.test" -test.run 'WebGPU' -test.count 1) | tail -5
echo "== trainer on WebGPU"
(cd trainer && timeout 90 "$bin/trainer.test" -test.run 'WebGPU' -test.count 1) | tail -5
echo "== conformance and trainer on WebGPU under the spec's default limits"
(cd conformance && WGTRAIN_GPU_LIMITS=default timeout 120 "$bin/conformance.test" -test.run 'WebGPU' -test.count 1) | tail -3
(cd trainer && WGTRAIN_GPU_LIMITS=default timeout 90 "$bin/trainer.test" -test.run 'WebGPU' -test.count 1) | tail -3
echo "== a 256 MiB activation under the default limits: resnet9 width 64, batch 512"
timeout 120 "$bin/wgtrain" bench --backend webgpu --gpu-limits default --width 64 --batch-size 512 --steps 3 --json | tee "$OUT/bench_webgpu_default_w64_512.json"
echo "== trainer benchmarks on WebGPU"
(cd trainer && timeout 90 "$bin/trainer.test" -test.run '^$' -test.bench 'Step/webgpu/batch32' -test.benchtime 50x -test.benchmem) | grep -E 'Benchmark|ok|FAIL'

for b in 32 512; do
	echo "== wgtrain bench webgpu, batch $b"
	timeout 60 "$bin/wgtrain" bench --backend webgpu --batch-size "$b" --steps 50 --json | tee "$OUT/bench_webgpu_$b.json"
	echo "== compare_pytorch.py webgpu vs cuda, batch $b"
	timeout 150 python3 scripts/compare_pytorch.py --backend webgpu --device cuda --batch-size "$b" --steps 50 \
		--wgtrain "$bin/wgtrain" | tee "$OUT/compare_cuda_$b.txt"
done
echo "== compare_pytorch.py cpu vs cpu ($(nproc) cores), batch 32"
timeout 120 python3 scripts/compare_pytorch.py --backend cpu --device cpu --batch-size 32 --steps 20 \
	--wgtrain "$bin/wgtrain" | tee "$OUT/compare_cpu_32.txt"
