package ops

// CPU implements Backend.
var _ Backend = (*CPU)(nil)
