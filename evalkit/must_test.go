package evalkit

// must returns v, and panics (failing the test that called it) when err
// is not nil: for the calls of the tests that cannot fail on their input.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
