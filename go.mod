module github.com/wgtrain/wgtrain

go 1.26

require (
	github.com/nlpodyssey/gopickle v0.2.0 // indirect
	github.com/rajveermalviya/go-webgpu/wgpu v0.17.1 // indirect
	github.com/spf13/pflag v1.1.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
