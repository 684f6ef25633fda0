package gpu

// The C side of callback.go: its preamble may only declare (it exports
// Go functions), so the wrappers that pass a number as the userdata live
// here. Filter 0 is WGPUErrorFilter_Validation, mode 1 WGPUMapMode_Read.

/*
#include "callback.h"

extern void wgtrainCallbackDone(uint32_t status, void *userdata);
extern void wgtrainCallbackError(uint32_t type, char *message, void *userdata);

void wgtrain_map_read(WGPUBuffer b, WGPUDevice d, size_t size, uintptr_t id) {
	wgpuDevicePushErrorScope(d, 0);
	wgpuBufferMapAsync(b, 1, 0, size, wgtrainCallbackDone, (void *)id);
	wgpuDevicePopErrorScope(d, (wgtrainErrorCallback)wgtrainCallbackError, (void *)id);
}

void wgtrain_on_work_done(WGPUQueue q, uintptr_t id) {
	wgpuQueueOnSubmittedWorkDone(q, wgtrainCallbackDone, (void *)id);
}
*/
import "C"
