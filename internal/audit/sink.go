package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sink receives batches of events. Write is called by one goroutine at a
// time by the Recorder, but the sinks of this package are also safe for
// concurrent use. A sink must not keep the slice after Write returns.
type Sink interface {
	Write(ctx context.Context, events []Event) error
	Close() error
}

// ErrClosed is returned by writes to a closed sink or recorder.
var ErrClosed = errors.New("audit: closed")

// FileSink defaults.
const (
	DefaultMaxFileBytes = 100 << 20
	DefaultMaxFiles     = 10
)

// FileSinkOptions configures a FileSink.
type FileSinkOptions struct {
	// Path is the active file, for example /var/lib/toolgate/audit.jsonl.
	// Rotated files go next to it as <base>-<timestamp><ext>
	// (audit-20250102T030405.000000000Z.jsonl).
	Path string
	// MaxBytes is the size past which the active file is rotated before the
	// next event is appended; an event is never split across files.
	// 0 means DefaultMaxFileBytes.
	MaxBytes int64
	// MaxFiles is how many rotated files are kept (the oldest are removed);
	// 0 means DefaultMaxFiles, negative keeps every file.
	MaxFiles int
	// SyncEveryWrite fsyncs after every batch; otherwise the file is synced
	// on rotation and Close.
	SyncEveryWrite bool
	// Defaults are applied to every event by Prepare before it is written.
	Defaults Defaults
	// Now names rotated files; nil means time.Now.
	Now func() time.Time
}

// FileSink writes events as JSON lines (one CloudTrail record per line) and
// rotates the file by size. Rotation happens under the sink's lock between
// two whole lines, and the rotated file is fsynced before it is renamed, so
// no event is lost or torn by a rotation.
type FileSink struct {
	opts   FileSinkOptions
	prefix string // rotated name prefix: dir/base-
	ext    string

	mu     sync.Mutex
	f      *os.File
	size   int64
	buf    []byte
	closed bool
}

const rotateStamp = "20060102T150405.000000000Z"

// NewFileSink opens (or creates) the active file in append mode, creating
// its directory if needed. Files are created with mode 0600: audit records
// name principals.
func NewFileSink(opts FileSinkOptions) (*FileSink, error) {
	if opts.Path == "" {
		return nil, errors.New("audit: file sink needs a path")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxFileBytes
	}
	if opts.MaxFiles == 0 {
		opts.MaxFiles = DefaultMaxFiles
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ext := filepath.Ext(opts.Path)
	s := &FileSink{opts: opts, ext: ext, prefix: strings.TrimSuffix(opts.Path, ext) + "-"}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *FileSink) open() error {
	f, err := os.OpenFile(s.opts.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: open %s: %w", s.opts.Path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit: %w", err)
	}
	s.f, s.size = f, st.Size()
	return nil
}

// Write appends events, rotating as needed.
func (s *FileSink) Write(ctx context.Context, events []Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.f == nil { // a previous rotation failed to reopen
		if err := s.open(); err != nil {
			return err
		}
	}
	var errs []error
	s.buf = s.buf[:0]
	for _, e := range events {
		line, err := json.Marshal(s.opts.Defaults.Prepare(e))
		if err != nil {
			errs = append(errs, fmt.Errorf("audit: encode event %s: %w", e.EventName, err))
			continue
		}
		pending := s.size + int64(len(s.buf))
		if pending > 0 && pending+int64(len(line))+1 > s.opts.MaxBytes {
			if err := s.flush(); err != nil {
				return errors.Join(append(errs, err)...)
			}
			if err := s.rotate(); err != nil {
				return errors.Join(append(errs, err)...)
			}
		}
		s.buf = append(s.buf, line...)
		s.buf = append(s.buf, '\n')
	}
	if err := s.flush(); err != nil {
		errs = append(errs, err)
	} else if s.opts.SyncEveryWrite {
		if err := s.f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("audit: sync: %w", err))
		}
	}
	return errors.Join(errs...)
}

// flush writes the buffered lines; on failure it truncates the file back so
// it never ends in a partial line.
func (s *FileSink) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	n, err := s.f.Write(s.buf)
	if err != nil {
		if n > 0 {
			_ = s.f.Truncate(s.size)
		}
		s.buf = s.buf[:0]
		return fmt.Errorf("audit: write %s: %w", s.opts.Path, err)
	}
	s.size += int64(n)
	s.buf = s.buf[:0]
	return nil
}

// Rotate closes the active file, renames it to its rotated name and starts
// a new one (an operator's explicit rotation, for example on SIGHUP).
func (s *FileSink) Rotate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.f == nil {
		return s.open()
	}
	return s.rotate()
}

func (s *FileSink) rotate() error {
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("audit: sync before rotation: %w", err)
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("audit: close before rotation: %w", err)
	}
	s.f = nil
	stamp := s.opts.Now().UTC().Format(rotateStamp)
	name := s.prefix + stamp + s.ext
	for n := 1; ; n++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = s.prefix + stamp + "-" + strconv.Itoa(n) + s.ext
	}
	if err := os.Rename(s.opts.Path, name); err != nil {
		// Keep appending to the active file rather than lose events.
		if oerr := s.open(); oerr != nil {
			return errors.Join(fmt.Errorf("audit: rotate: %w", err), oerr)
		}
		return fmt.Errorf("audit: rotate: %w", err)
	}
	syncDir(filepath.Dir(s.opts.Path))
	if err := s.open(); err != nil {
		return err
	}
	return s.prune()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// RotatedFiles returns the rotated files, oldest first.
func (s *FileSink) RotatedFiles() ([]string, error) {
	dir := filepath.Dir(s.opts.Path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	base := filepath.Base(s.prefix)
	type rotated struct {
		name, stamp string
		n           int
	}
	var files []rotated
	for _, e := range entries {
		mid, ok := strings.CutPrefix(e.Name(), base)
		if !ok || e.IsDir() {
			continue
		}
		if mid, ok = strings.CutSuffix(mid, s.ext); !ok {
			continue
		}
		stamp, n := mid, 0
		if i := strings.LastIndexByte(mid, '-'); i >= 0 {
			v, err := strconv.Atoi(mid[i+1:])
			if err != nil {
				continue
			}
			stamp, n = mid[:i], v
		}
		if _, err := time.Parse(rotateStamp, stamp); err != nil {
			continue
		}
		files = append(files, rotated{filepath.Join(dir, e.Name()), stamp, n})
	}
	slices.SortFunc(files, func(a, b rotated) int {
		if c := strings.Compare(a.stamp, b.stamp); c != 0 {
			return c
		}
		return a.n - b.n
	})
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	return names, nil
}

func (s *FileSink) prune() error {
	if s.opts.MaxFiles < 0 {
		return nil
	}
	files, err := s.RotatedFiles()
	if err != nil {
		return err
	}
	var errs []error
	for len(files) > s.opts.MaxFiles {
		if err := os.Remove(files[0]); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("audit: prune: %w", err))
		}
		files = files[1:]
	}
	return errors.Join(errs...)
}

// Close syncs and closes the active file.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.f == nil {
		return nil
	}
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}
