//go:build unix

package results

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// createTemp creates a new file beside path, named "." + its name +
// ".tmp" + a random number, for writing, with mode 0644 less the umask
// (the mode the file keeps once renamed). It opens the file with open(2)
// itself: os.CreateTemp's file goes through the runtime poller's set-up
// (a regular file's registration is tried and undone, four system calls)
// and is created 0600, which needed a chmod before the rename; a sweep
// writes a file per run.
func createTemp(path string) (*os.File, error) {
	prefix := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	for range 10000 {
		name := prefix + strconv.FormatUint(uint64(rand.Uint32()), 10)
		var fd int
		var err error
		for {
			fd, err = syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o644)
			if !errors.Is(err, syscall.EINTR) {
				break
			}
		}
		if errors.Is(err, syscall.EEXIST) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
	return nil, &os.PathError{Op: "createtemp", Path: prefix + "*", Err: os.ErrExist}
}
