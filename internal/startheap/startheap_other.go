//go:build !linux

package startheap
