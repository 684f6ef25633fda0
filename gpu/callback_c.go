package gpu

// The C side of callback.go: its preamble may only declare (it exports
// Go functions), so the wrappers that pass a number as the userdata, and
// the trampolines that hand it back to Go as an integer, live here.
// Filter 0 is WGPUErrorFilter_Validation, mode 1 WGPUMapMode_Read.

/*
#include "callback.h"

extern void wgtrainCallbackDone(uint32_t status, uintptr_t id);
extern void wgtrainCallbackError(uint32_t type, char *message, uintptr_t id);

static void wgtrain_done(uint32_t status, void *userdata) {
	wgtrainCallbackDone(status, (uintptr_t)userdata);
}

static void wgtrain_error(uint32_t type, char const *message, void *userdata) {
	wgtrainCallbackError(type, (char *)message, (uintptr_t)userdata);
}

void wgtrain_map_read(WGPUBuffer b, WGPUDevice d, size_t size, uintptr_t id) {
	wgpuDevicePushErrorScope(d, 0);
	wgpuBufferMapAsync(b, 1, 0, size, wgtrain_done, (void *)id);
	wgpuDevicePopErrorScope(d, wgtrain_error, (void *)id);
}

void wgtrain_on_work_done(WGPUQueue q, uintptr_t id) {
	wgpuQueueOnSubmittedWorkDone(q, wgtrain_done, (void *)id);
}
*/
import "C"
