package gpu

// #include <stdint.h>
// #include <stddef.h>
// #include "callback.h"
import "C"

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// The map and work-done callbacks go through this file, not through
// go-webgpu v0.17.1's Buffer.MapAsync and Queue.OnSubmittedWorkDone. Those
// hand wgpu-native a pointer to a Go variable as the callback's userdata
// and keep no reference to it, so when the garbage collector runs between
// the request and the callback, the callback reads freed memory: on an
// NVIDIA H200, where many read-backs are in flight while the next step is
// recorded, it read 0 and go-webgpu panicked ("misuse of an invalid
// Handle"). Here the userdata is a number, an index into callbacks, and no
// Go memory is handed to C. callback.h declares the few wgpu-native
// functions called; callback_c.go holds the C wrappers.

// callbacks holds the pending callbacks by id.
var callbacks struct {
	sync.Mutex
	next uintptr
	fn   map[uintptr]func(status uint32)
	err  map[uintptr]string // a validation error reported for the id's request
}

func register(fn func(status uint32)) uintptr {
	callbacks.Lock()
	defer callbacks.Unlock()
	if callbacks.fn == nil {
		callbacks.fn, callbacks.err = map[uintptr]func(uint32){}, map[uintptr]string{}
	}
	callbacks.next++
	callbacks.fn[callbacks.next] = fn
	return callbacks.next
}

// requestErr returns and forgets the validation error of request id, if
// any; with one, the request's callback is dropped.
func requestErr(id uintptr) error {
	callbacks.Lock()
	defer callbacks.Unlock()
	msg, ok := callbacks.err[id]
	if !ok {
		return nil
	}
	delete(callbacks.err, id)
	delete(callbacks.fn, id)
	return errors.New(msg)
}

// The two exported functions take the id as an integer: the C
// trampolines in callback_c.go convert wgpu-native's void* userdata.
// Held in an unsafe.Pointer across a call, a small id would make the
// runtime throw ("invalid pointer found on stack") when the stack grows.

//export wgtrainCallbackDone
func wgtrainCallbackDone(status C.uint32_t, userdata C.uintptr_t) {
	id := uintptr(userdata)
	callbacks.Lock()
	fn := callbacks.fn[id]
	delete(callbacks.fn, id)
	callbacks.Unlock()
	if fn != nil {
		fn(uint32(status))
	}
}

//export wgtrainCallbackError
func wgtrainCallbackError(typ C.uint32_t, message *C.char, userdata C.uintptr_t) {
	if typ == 0 { // WGPUErrorType_NoError
		return
	}
	callbacks.Lock()
	callbacks.err[uintptr(userdata)] = C.GoString(message)
	callbacks.Unlock()
}

// The C handles inside go-webgpu v0.17.1's structs, which it does not
// export; TestCallbackLayout checks the layouts assumed here.
type bufferRefs struct{ device, buffer unsafe.Pointer }
type queueRefs struct{ device, queue unsafe.Pointer }

// mapRead asks for buffer b's first size bytes to be mapped for reading;
// done runs with the map status (wgpu.BufferMapAsyncStatus) from a later
// Poll or Submit.
func mapRead(b *wgpu.Buffer, size uint64, done func(wgpu.BufferMapAsyncStatus)) error {
	r := (*bufferRefs)(unsafe.Pointer(b))
	id := register(func(s uint32) { done(wgpu.BufferMapAsyncStatus(s)) })
	C.wgtrain_map_read(C.WGPUBuffer(r.buffer), C.WGPUDevice(r.device), C.size_t(size), C.uintptr_t(id))
	if err := requestErr(id); err != nil {
		return errors.New("gpu: map for reading: " + err.Error())
	}
	return nil
}

// onWorkDone runs done once the work submitted to q so far has finished,
// from a later Poll.
func onWorkDone(q *wgpu.Queue, done func()) {
	r := (*queueRefs)(unsafe.Pointer(q))
	id := register(func(uint32) { done() })
	C.wgtrain_on_work_done(C.WGPUQueue(r.queue), C.uintptr_t(id))
}
