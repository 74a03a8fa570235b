package dissect

import (
	"reflect"
	"testing"
	"unsafe"
)

// inside reports whether sub lies inside buf (an empty sub always does).
func inside(sub, buf []byte) bool {
	if len(sub) == 0 {
		return true
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return len(buf) > 0 && p >= lo && p+uintptr(len(sub)) <= lo+uintptr(len(buf))
}

// wantInside fails t when s does not lie inside in.
func wantInside(t *testing.T, what string, in, s []byte) {
	t.Helper()
	if !inside(s, in) {
		t.Fatalf("%s: %d octets outside the %d octets of input", what, len(s), len(in))
	}
}

// checkAliases walks every byte slice reachable from v (a decoded Body)
// through exported fields and fails t at the first that does not lie
// inside buf.
func checkAliases(t *testing.T, v any, buf []byte) {
	t.Helper()
	var walk func(r reflect.Value, path string)
	walk = func(r reflect.Value, path string) {
		switch r.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !r.IsNil() {
				walk(r.Elem(), path)
			}
		case reflect.Struct:
			for i := 0; i < r.NumField(); i++ {
				if r.Type().Field(i).IsExported() {
					walk(r.Field(i), path+"."+r.Type().Field(i).Name)
				}
			}
		case reflect.Slice:
			if r.Type().Elem().Kind() == reflect.Uint8 {
				if b := r.Bytes(); !inside(b, buf) {
					t.Fatalf("%s (%d octets) does not alias the input", path, len(b))
				}
				return
			}
			for i := 0; i < r.Len(); i++ {
				walk(r.Index(i), path)
			}
		}
	}
	walk(reflect.ValueOf(v), "body")
}
