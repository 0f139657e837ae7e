//go:build unix

package results

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A file written through a temporary file: its whole content (more than
// the write buffer holds, so several write(2) calls), the mode 0644 less
// the umask, replacing the old file, and no temporary file left; and the
// errors name the path.
func TestTempFileOnUnix(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB > the 64 KB buffer
	if err := WriteFileAtomicNoSync(p, func(w io.Writer) error { _, err := w.Write(want); return err }); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (err %v), want %d", len(got), err, len(want))
	}
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o644&^os.FileMode(umask) {
		t.Errorf("mode %v, want 0644 less the umask %03o", mode, umask)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("files left in the directory: %v", es)
	}

	f, err := createTemp(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
	discard(f)
	if _, err := createTemp(filepath.Join(dir, "missing", "f")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("createTemp in a missing directory: %v, want a not-exist error", err)
	}
	var pe *os.PathError
	if err := f.Sync(); !errors.As(err, &pe) || pe.Path != f.Name() {
		t.Errorf("Sync of a closed file: %v, want a PathError naming it", err)
	}
}
