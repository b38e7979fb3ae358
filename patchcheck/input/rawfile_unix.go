// SPDX-License-Identifier: GPL-2.0-only

//go:build unix

package input

import "syscall"

// readRegular reads a regular file of at most max bytes whole, with plain
// system calls: os.Open registers every file with the runtime's poller
// (an epoll_ctl that fails for regular files, and fcntl calls), which costs
// more than the read itself on thousands of small patches. ok is false
// when the file is anything else or cannot be opened: the caller then
// takes the general path, which reports the problem.
func readRegular(path string, max int64, keep *[]byte) (data []byte, ok bool, err error) {
	// Stat before opening: opening a FIFO would wait for a writer, and
	// closing it again could cost that writer its reader.
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size <= 0 || st.Size > max {
		return nil, false, nil
	}
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, false, nil
	}
	defer syscall.Close(fd)
	buf := buffer(keep, st.Size)
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, true, err
		case m == 0:
			return buf[:n], true, nil // shrank since stat
		}
		n += m
	}
	return buf, true, nil
}
