package idp

// SetKDFIterations makes secret hashing cheap for the tests of this package
// (600,000 rounds per client would dominate their run time). Call it before
// any test runs; it returns the previous value.
func SetKDFIterations(n int) int {
	old := kdfIterations
	kdfIterations = n
	return old
}
