// callback.h: the wgpu-native (webgpu.h, v0.17) declarations that
// callback.go calls, with its enums as the uint32_t they are passed as,
// and the two Go functions it exports.
#include <stdint.h>
#include <stddef.h>

typedef struct WGPUBufferImpl *WGPUBuffer;
typedef struct WGPUDeviceImpl *WGPUDevice;
typedef struct WGPUQueueImpl *WGPUQueue;
typedef void (*wgtrainStatusCallback)(uint32_t status, void *userdata);
typedef void (*wgtrainErrorCallback)(uint32_t type, char const *message, void *userdata);

void wgpuBufferMapAsync(WGPUBuffer buffer, uint32_t mode, size_t offset, size_t size, wgtrainStatusCallback callback, void *userdata);
void wgpuDevicePushErrorScope(WGPUDevice device, uint32_t filter);
void wgpuDevicePopErrorScope(WGPUDevice device, wgtrainErrorCallback callback, void *userdata);
void wgpuQueueOnSubmittedWorkDone(WGPUQueue queue, wgtrainStatusCallback callback, void *userdata);

void wgtrain_map_read(WGPUBuffer b, WGPUDevice d, size_t size, uintptr_t id);
void wgtrain_on_work_done(WGPUQueue q, uintptr_t id);
