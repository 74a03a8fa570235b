//go:build linux

package testnetns

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// IP runs ip(8) with args, bounded in time; the error carries its output.
func IP(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// Skip skips the test unless it runs as root with ip(8) installed.
func Skip(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root (network namespaces, AF_PACKET); CI runs it as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		tb.Skip("needs the ip command (iproute2)")
	}
}

// Add creates the network namespace name, after deleting a leftover of a
// killed run, and deletes it when the test ends. Where namespaces cannot
// be made (no permission) it skips the test.
func Add(tb testing.TB, name string) {
	tb.Helper()
	IP("netns", "del", name)
	if err := IP("netns", "add", name); err != nil {
		if strings.Contains(err.Error(), "Operation not permitted") {
			tb.Skipf("cannot create network namespaces here: %v", err)
		}
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := IP("netns", "del", name); err != nil {
			tb.Errorf("cleanup: %v", err)
		}
	})
}

// Do runs fn on an OS thread that has entered the network namespace ns
// and returns its error. The thread is never unlocked, so it ends with
// its goroutine and nothing else ever runs in the namespace.
func Do(ns string, fn func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		ch <- enter(ns, fn)
	}()
	return <-ch
}

// enter switches the calling thread into ns and runs fn.
func enter(ns string, fn func() error) error {
	f, err := os.Open(filepath.Join("/var/run/netns", ns))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns: %w", err)
	}
	return fn()
}

// WaitUp waits (at most 5 s) until dev in namespace ns has its carrier
// (LOWER_UP). A veth end set up a moment ago drops what is sent on it until
// the kernel's link watcher has run, which a loaded machine delays.
func WaitUp(tb testing.TB, ns, dev string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, "ip", "-n", ns, "-o", "link", "show", "dev", dev).CombinedOutput()
		cancel()
		if err == nil && bytes.Contains(out, []byte("LOWER_UP")) && bytes.Contains(out, []byte("state UP")) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s in %s is not up after 5 s: %v %s", dev, ns, err, bytes.TrimSpace(out))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
