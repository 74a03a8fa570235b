// Package testnetns sets up Linux network namespaces for the tests that
// need real interfaces (live capture, kernel filters): the ip(8) runner,
// namespace creation with cleanup, and running code inside a namespace.
// Every namespace a test makes is named by the test, inside the test's
// own prefix, and deleted when the test ends.
package testnetns
