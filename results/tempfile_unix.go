//go:build unix

package results

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// tempFile is a temporary file being written: an open file descriptor and
// its name. It is the file's descriptor itself rather than an *os.File:
// os.NewFile asks the descriptor's flags (fcntl) and attaches a cleanup,
// os.CreateTemp also tries and undoes the runtime poller's registration
// of a regular file (four system calls) and creates it 0600 (a chmod
// before the rename), and os.Rename looks the target up (lstat) before it
// renames. A sweep writes a file per run: here a file is open(2),
// write(2), close(2) and rename(2).
type tempFile struct {
	fd   int
	name string
}

// createTemp creates a new file beside path, named "." + its name +
// ".tmp" + a random number, for writing, with mode 0644 less the umask
// (the mode the file keeps once renamed).
func createTemp(path string) (*tempFile, error) {
	prefix := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	for range 10000 {
		name := prefix + strconv.FormatUint(uint64(rand.Uint32()), 10)
		var fd int
		err := retryEINTR(func() (err error) {
			fd, err = syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o644)
			return err
		})
		if errors.Is(err, syscall.EEXIST) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return &tempFile{fd, name}, nil
	}
	return nil, &os.PathError{Op: "createtemp", Path: prefix + "*", Err: os.ErrExist}
}

// Name is the temporary file's path.
func (f *tempFile) Name() string { return f.name }

// Write writes all of b, or fails.
func (f *tempFile) Write(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		var n int
		err := retryEINTR(func() (err error) {
			n, err = syscall.Write(f.fd, b[done:])
			return err
		})
		if err != nil {
			return done, &os.PathError{Op: "write", Path: f.name, Err: err}
		}
		if n == 0 {
			return done, &os.PathError{Op: "write", Path: f.name, Err: io.ErrShortWrite}
		}
		done += n
	}
	return done, nil
}

// Sync flushes the file's data and metadata to its device.
func (f *tempFile) Sync() error {
	if err := retryEINTR(func() error { return syscall.Fsync(f.fd) }); err != nil {
		return &os.PathError{Op: "fsync", Path: f.name, Err: err}
	}
	return nil
}

// Close closes the descriptor (once: Linux closes it even when close(2)
// is interrupted, so it is not retried).
func (f *tempFile) Close() error {
	if f.fd < 0 {
		return nil
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil && !errors.Is(err, syscall.EINTR) {
		return &os.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// rename renames the temporary file over path.
func (f *tempFile) rename(path string) error {
	if err := retryEINTR(func() error { return syscall.Rename(f.name, path) }); err != nil {
		return &os.LinkError{Op: "rename", Old: f.name, New: path, Err: err}
	}
	return nil
}

// retryEINTR calls call again while a signal interrupts it.
func retryEINTR(call func() error) error {
	for {
		if err := call(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
