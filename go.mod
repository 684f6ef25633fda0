module github.com/wgtrain/wgtrain

go 1.26

require github.com/rajveermalviya/go-webgpu/wgpu v0.17.1 // indirect
