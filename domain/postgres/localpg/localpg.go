// Package localpg runs a private PostgreSQL cluster from locally installed
// server binaries. The service uses it when no DATABASE_URL is configured and
// test binaries use it to get a throwaway cluster of their own.
//
// The server is started directly as a child process (not through pg_ctl) so
// that it dies together with the process that started it.
package localpg

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries is wrapped by Start when the PostgreSQL server binaries
// cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found")

const (
	superuser    = "scpo"
	passwordFile = "scpo-superuser-password"
	serverLog    = "server.log"

	startTimeout = 30 * time.Second
	stopTimeout  = 30 * time.Second
	portAttempts = 3
)

// Options configures Start.
type Options struct {
	DataDir string       // cluster directory; created if missing; kept across restarts
	BinDir  string       // "" = auto-detect: $SCPO_PG_BIN, else highest /usr/lib/postgresql/*/bin containing `postgres`, else dir of `postgres` on PATH
	Port    int          // 0 = pick a free loopback port
	Logger  *slog.Logger // may be nil

	// Fast trades durability for speed (fsync=off, synchronous_commit=off,
	// full_page_writes=off, initdb --no-sync). Only for throwaway test
	// clusters: a machine crash can corrupt the cluster.
	Fast bool

	// Unsupervised turns off restarting the server when it dies.
	Unsupervised bool
	// UnhealthyAfter is how long the server may stay down, restarts
	// failing, before Health reports the cluster cannot recover; default
	// two minutes. A server that keeps dying soon after each restart
	// (three times running, each within StableAfter of its start) is
	// reported the same way once it has done so for that long.
	UnhealthyAfter time.Duration
	// StableAfter is how long a restarted server must stay up for its
	// restart to count as a recovery; default a minute.
	StableAfter time.Duration
}

// Cluster is a running PostgreSQL server started by Start.
type Cluster struct {
	dataDir  string
	binDir   string
	port     int
	password string
	log      *slog.Logger

	mu      sync.Mutex
	proc    *proc // the current postmaster
	as      *runAs
	fast    bool
	downFor time.Duration // how long a failed restart may last before Health reports it
	// Supervision: set when the postmaster exits on its own, cleared when
	// a restart succeeds.
	downSince time.Time
	downErr   error
	restarts  int
	// Crash loops: when the current postmaster came up, how many times in
	// a row one died within stableAfter of coming up, and since when they
	// have (a restart that succeeds every time is still no recovery).
	stableAfter time.Duration
	upSince     time.Time
	quickDeaths int
	loopSince   time.Time
	lastDeath   error
	quit        context.CancelFunc // stops the supervisor
	supDone     chan struct{}      // closed when the supervisor has returned

	stopOnce sync.Once
	stopErr  error
}

// proc is one run of the postmaster.
type proc struct {
	cmd     *exec.Cmd     // nil for a postmaster the cluster adopted (see adopt)
	pid     int           // the postmaster's process ID
	done    chan struct{} // closed when the postmaster has exited
	waitErr error         // valid after done is closed
}

func (c *Cluster) current() *proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc
}

// runAs is the account initdb/postgres run under; nil means the current one.
type runAs struct {
	uid, gid uint32
	gids     map[uint32]bool // primary and supplementary groups
	name     string
}

// Start initialises DataDir if needed, starts the server and waits until it
// accepts connections.
func Start(ctx context.Context, opt Options) (*Cluster, error) {
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opt.DataDir == "" {
		return nil, errors.New("localpg: Options.DataDir is empty: set it to a directory for the cluster")
	}
	dataDir, err := filepath.Abs(opt.DataDir)
	if err != nil {
		return nil, fmt.Errorf("localpg: resolving data directory %q: %w", opt.DataDir, err)
	}
	binDir, err := findBinDir(opt.BinDir)
	if err != nil {
		return nil, err
	}
	binMajor, err := serverMajor(binDir)
	if err != nil {
		return nil, err
	}
	as, err := lookupRunAs()
	if err != nil {
		return nil, err
	}

	exists, err := prepareDataDir(dataDir, as)
	if err != nil {
		return nil, err
	}

	var password string
	if exists {
		password, err = checkExisting(dataDir, binMajor)
	} else {
		password, err = initCluster(ctx, dataDir, binDir, as, opt.Fast, logger)
	}
	if err != nil {
		return nil, err
	}
	if err := checkNotRunning(dataDir); err != nil {
		return nil, err
	}

	c := &Cluster{dataDir: dataDir, binDir: binDir, password: password, log: logger, as: as, fast: opt.Fast,
		downFor: opt.UnhealthyAfter, stableAfter: opt.StableAfter}
	if c.downFor <= 0 {
		c.downFor = 2 * time.Minute
	}
	if c.stableAfter <= 0 {
		c.stableAfter = time.Minute
	}
	for attempt := 1; ; attempt++ {
		port := opt.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		c.port = port
		err = c.start(ctx, as, opt.Fast)
		if err == nil {
			c.upSince = time.Now()
			logger.Info("local PostgreSQL started", "data_dir", dataDir, "port", port, "bin_dir", binDir)
			supCtx, quit := context.WithCancel(context.Background())
			c.quit, c.supDone = quit, make(chan struct{})
			if opt.Unsupervised {
				close(c.supDone)
			} else {
				go c.supervise(supCtx)
			}
			return c, nil
		}
		// Backends of a server that was killed hold its shared memory until
		// they notice and exit, which under load can take a few seconds.
		if errors.Is(err, errOrphanedBackends) && attempt < orphanAttempts {
			logger.Warn("backends of a killed PostgreSQL server still hold its shared memory; waiting", "attempt", attempt)
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		// Picking a port by listen-and-close is racy; retry only that case.
		if opt.Port != 0 || attempt >= portAttempts || !errors.Is(err, errPortInUse) {
			return nil, err
		}
		logger.Warn("local PostgreSQL port was taken, retrying with another", "port", port)
	}
}

// errOrphanedBackends marks a startup refused because processes of an
// earlier server of the same data directory still hold its shared memory.
var errOrphanedBackends = errors.New("localpg: processes of an earlier server still hold its shared memory")

// orphanAttempts bounds the wait for them: 30 tries half a second apart.
const orphanAttempts = 30

// errPortInUse marks a startup failure caused by a taken port.
var errPortInUse = errors.New("port in use")

type portInUseError struct{ port int }

func (e portInUseError) Error() string {
	return fmt.Sprintf("localpg: port %d on 127.0.0.1 is already in use: set another Port, or 0 to pick a free one", e.port)
}

func (e portInUseError) Is(target error) bool { return target == errPortInUse }

// findBinDir locates a directory holding the `postgres` server binary.
func findBinDir(explicit string) (string, error) {
	notFound := func(where string) error {
		return fmt.Errorf("%w (looked in %s): install PostgreSQL (apt-get install postgresql) or set DATABASE_URL", ErrNoBinaries, where)
	}
	if explicit != "" {
		if !isExecutable(filepath.Join(explicit, "postgres")) {
			return "", notFound(explicit)
		}
		return explicit, nil
	}
	if env := os.Getenv("SCPO_PG_BIN"); env != "" {
		// An explicit setting that is wrong should not be silently ignored.
		if !isExecutable(filepath.Join(env, "postgres")) {
			return "", notFound("$SCPO_PG_BIN=" + env)
		}
		return env, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		// Follow symlinks so that initdb is found next to the real binary.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if p, err := filepath.Abs(p); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", notFound("$SCPO_PG_BIN, /usr/lib/postgresql/*/bin, PATH")
}

// versionOf extracts the numeric version from /usr/lib/postgresql/N/bin.
func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// serverMajor returns the major version as written in PG_VERSION ("15", "9.6").
func serverMajor(binDir string) (string, error) {
	out, err := exec.Command(filepath.Join(binDir, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("localpg: running %s --version failed (%v): check the PostgreSQL installation", filepath.Join(binDir, "postgres"), err)
	}
	m := versionRE.FindStringSubmatch(string(out))
	if m == nil {
		return "", fmt.Errorf("localpg: cannot parse %q from %s --version", strings.TrimSpace(string(out)), filepath.Join(binDir, "postgres"))
	}
	if major, _ := strconv.Atoi(m[1]); major < 10 && m[2] != "" {
		return m[1] + "." + m[2], nil
	}
	return m[1], nil
}

// lookupRunAs returns the postgres system account when running as root,
// because initdb and postgres refuse to run as root.
func lookupRunAs() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("localpg: running as root but there is no 'postgres' system user to run the server as: create it (useradd --system postgres), run as a non-root user, or set DATABASE_URL")
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("localpg: unexpected uid/gid %q/%q for user postgres", u.Uid, u.Gid)
	}
	as := &runAs{uid: uint32(uid), gid: uint32(gid), name: u.Username, gids: map[uint32]bool{uint32(gid): true}}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.ParseUint(s, 10, 32); err == nil {
				as.gids[uint32(g)] = true
			}
		}
	}
	return as, nil
}

func (as *runAs) sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{
		// Own process group so terminal signals to us do not hit the server
		// mid-shutdown; Pdeathsig so a crash of ours does not leave an orphan.
		Setpgid:   true,
		Pdeathsig: syscall.SIGQUIT,
	}
	if as != nil {
		attr.Credential = &syscall.Credential{Uid: as.uid, Gid: as.gid}
	}
	return attr
}

// chown hands a path we created over to the server account.
func (as *runAs) chown(path string) error {
	if as == nil {
		return nil
	}
	return os.Lchown(path, int(as.uid), int(as.gid))
}

// prepareDataDir makes sure dataDir is a usable directory and reports whether
// it already holds a cluster.
func prepareDataDir(dataDir string, as *runAs) (exists bool, err error) {
	fi, err := os.Stat(dataDir)
	switch {
	case err == nil && !fi.IsDir():
		return false, fmt.Errorf("localpg: data directory %s exists but is not a directory: remove it or choose another path", dataDir)
	case err == nil:
		if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
			return true, checkTraversable(dataDir, as)
		}
		entries, err := os.ReadDir(dataDir)
		if err != nil {
			return false, fmt.Errorf("localpg: cannot read data directory %s (%v): fix its permissions or choose another path", dataDir, err)
		}
		if len(entries) > 0 {
			return false, fmt.Errorf("localpg: data directory %s is not empty but holds no PostgreSQL cluster (no PG_VERSION): empty it or choose another path", dataDir)
		}
	case errors.Is(err, fs.ErrNotExist):
		// Parents must stay traversable by the server account, hence 0755.
		if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
			return false, fmt.Errorf("localpg: cannot create parent of data directory %s (%v): choose a writable location", dataDir, err)
		}
		if err := os.Mkdir(dataDir, 0o700); err != nil {
			return false, fmt.Errorf("localpg: cannot create data directory %s (%v): choose a writable location", dataDir, err)
		}
	default:
		return false, fmt.Errorf("localpg: cannot use data directory %s (%v): fix its permissions or choose another path", dataDir, err)
	}
	// The directory is empty here, so chowning the top level is the whole tree.
	if err := as.chown(dataDir); err != nil {
		return false, fmt.Errorf("localpg: cannot hand data directory %s to user %s (%v): choose a directory on a filesystem that supports chown", dataDir, as.name, err)
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return false, fmt.Errorf("localpg: cannot chmod data directory %s (%v): fix its permissions or choose another path", dataDir, err)
	}
	if err := checkTraversable(dataDir, as); err != nil {
		return false, err
	}
	if err := checkWritable(dataDir); err != nil {
		return false, err
	}
	return false, nil
}

// checkTraversable verifies that the server account can reach dataDir; as root
// we can, but the postgres user often cannot (e.g. below t.TempDir()).
func checkTraversable(dataDir string, as *runAs) error {
	if as == nil {
		return nil
	}
	for dir := filepath.Dir(dataDir); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("localpg: cannot stat %s (%v)", dir, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok {
			perm := fi.Mode().Perm()
			var allowed bool
			switch {
			case st.Uid == as.uid:
				allowed = perm&0o100 != 0
			case as.gids[st.Gid]:
				allowed = perm&0o010 != 0
			default:
				allowed = perm&0o001 != 0
			}
			if !allowed {
				return fmt.Errorf("localpg: user %s cannot reach data directory %s because %s is not traversable (mode %v): chmod o+x %s or put the data directory elsewhere (e.g. under /tmp)", as.name, dataDir, dir, perm, dir)
			}
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// checkWritable catches read-only filesystems and the like before initdb.
func checkWritable(dataDir string) error {
	probe := filepath.Join(dataDir, ".localpg-probe")
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("localpg: data directory %s is not writable (%v): choose a writable location", dataDir, err)
	}
	f.Close()
	os.Remove(probe)
	return nil
}

// checkExisting validates a cluster we are about to reuse and returns its
// superuser password.
func checkExisting(dataDir, binMajor string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if err != nil {
		return "", fmt.Errorf("localpg: cannot read %s (%v): fix its permissions", filepath.Join(dataDir, "PG_VERSION"), err)
	}
	if v := strings.TrimSpace(string(b)); v != binMajor {
		return "", fmt.Errorf("localpg: data directory %s holds a PostgreSQL %s cluster but the server binaries are version %s: point BinDir/$SCPO_PG_BIN at PostgreSQL %s binaries, or remove the directory to start afresh", dataDir, v, binMajor, v)
	}
	pw, err := os.ReadFile(filepath.Join(dataDir, passwordFile))
	if err != nil {
		return "", fmt.Errorf("localpg: data directory %s has no readable %s (%v), so it was not created by localpg or its creation was interrupted: remove the directory to start afresh", dataDir, passwordFile, err)
	}
	return strings.TrimSpace(string(pw)), nil
}

// initCluster runs initdb in the empty dataDir and stores the password.
func initCluster(ctx context.Context, dataDir, binDir string, as *runAs, fast bool, logger *slog.Logger) (string, error) {
	initdb := filepath.Join(binDir, "initdb")
	if !isExecutable(initdb) {
		return "", fmt.Errorf("%w: %s is missing: install the PostgreSQL server package (apt-get install postgresql) or set DATABASE_URL", ErrNoBinaries, initdb)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("localpg: generating password: %w", err)
	}
	password := hex.EncodeToString(raw)

	// initdb needs an empty data directory, so the pwfile lives in the temp dir.
	pwf, err := os.CreateTemp("", "localpg-pw-*")
	if err != nil {
		return "", fmt.Errorf("localpg: creating temporary password file: %w", err)
	}
	defer os.Remove(pwf.Name())
	_, err = pwf.WriteString(password + "\n")
	if cerr := pwf.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = as.chown(pwf.Name())
	}
	if err != nil {
		return "", fmt.Errorf("localpg: writing temporary password file: %w", err)
	}

	base := []string{"-D", dataDir, "-U", superuser, "--auth=scram-sha-256", "--pwfile=" + pwf.Name(), "-E", "UTF8"}
	if fast {
		base = append(base, "--no-sync")
	}
	logger.Info("initialising local PostgreSQL cluster", "data_dir", dataDir)
	out, err := runInitdb(ctx, initdb, as, append(base, "--locale=C.UTF-8"))
	if err != nil {
		// Minimal systems may lack C.UTF-8; the C locale works everywhere.
		logger.Warn("initdb with C.UTF-8 failed, retrying with --no-locale", "output", lastLines(out, 5))
		out, err = runInitdb(ctx, initdb, as, append(base, "--no-locale"))
	}
	if err != nil {
		return "", fmt.Errorf("localpg: initdb for %s failed (%v): %s", dataDir, err, oneLine(lastLines(out, 5)))
	}

	pwPath := filepath.Join(dataDir, passwordFile)
	if err := os.WriteFile(pwPath, []byte(password+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("localpg: saving superuser password to %s: %w", pwPath, err)
	}
	if err := as.chown(pwPath); err != nil {
		return "", fmt.Errorf("localpg: chown %s: %w", pwPath, err)
	}
	return password, nil
}

func runInitdb(ctx context.Context, initdb string, as *runAs, args []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, initdb, args...)
	cmd.Dir = "/" // our cwd may be unreadable for the postgres user
	cmd.SysProcAttr = as.sysProcAttr()
	return cmd.CombinedOutput()
}

// checkNotRunning refuses a directory that a live postmaster still owns; a
// stale postmaster.pid is left for postgres to clean up.
func checkNotRunning(dataDir string) error {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return nil
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return nil
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return nil
	}
	// PIDs get reused (especially in containers); only a postgres counts.
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && !bytes.Contains(cmdline, []byte("postgres")) {
		return nil
	}
	return fmt.Errorf("localpg: data directory %s is already in use by a running PostgreSQL server (pid %d): stop that server or use another data directory", dataDir, pid)
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("localpg: cannot find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start launches the postmaster on c.port and waits until it accepts
// connections.
func (c *Cluster) start(ctx context.Context, as *runAs, fast bool) error {
	logPath := filepath.Join(c.dataDir, serverLog)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("localpg: opening server log %s: %w", logPath, err)
	}
	_ = as.chown(logPath)
	logStart, _ := logFile.Seek(0, io.SeekEnd)

	args := []string{"-D", c.dataDir, "-p", strconv.Itoa(c.port), "-c", "listen_addresses=127.0.0.1"}
	// Unix socket paths are limited to 107 bytes; we only need TCP, so drop
	// the socket rather than fail on deep data directories.
	sockDir := c.dataDir
	if len(sockDir)+len("/.s.PGSQL.65535") > 107 {
		sockDir = ""
	}
	args = append(args, "-c", "unix_socket_directories="+sockDir)
	// A parallel plan runs its leader beside its workers: PostgreSQL's two
	// workers a gather make three busy processes on a machine of two
	// cores, which the cluster shares with the service. One worker there
	// is faster (at a million orders the daily sweeps took 5.3-5.5 s
	// against 5.8-5.9, the first catch-up 59.8 s against 61.6).
	if runtime.NumCPU() <= 2 {
		args = append(args, "-c", "max_parallel_workers_per_gather=1")
	}
	if fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	} else {
		// PostgreSQL's defaults suit a small shared machine; this cluster
		// is the service's own. A sweep's first run over a million orders
		// writes a few GB of WAL: with max_wal_size at 1 GB it checkpoints
		// every 12-27 s and logs every page it touches again in full, and
		// 128 MB of shared buffers holds less than the flags' indexes.
		args = append(args, "-c", "shared_buffers=512MB", "-c", "max_wal_size=4GB")
	}
	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Dir = "/"
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = as.sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("localpg: starting %s: %w", cmd.Path, err)
	}
	p := &proc{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{})}
	c.mu.Lock()
	c.proc = p
	c.mu.Unlock()
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()

	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for {
		select {
		case <-p.done:
			tail := readLogTail(logPath, logStart)
			if strings.Contains(tail, "Address already in use") {
				return portInUseError{c.port}
			}
			if strings.Contains(tail, "pre-existing shared memory block") {
				return fmt.Errorf("%w: %s", errOrphanedBackends, oneLine(tail))
			}
			return fmt.Errorf("localpg: PostgreSQL server exited during startup (%v); see %s: %s", p.waitErr, logPath, oneLine(tail))
		default:
		}
		lastErr = c.ping(ctx)
		if lastErr == nil {
			// Answered by our postmaster, not another on the same port and
			// data directory (one started by hand, say, which ours then
			// finds holding the lock file and exits).
			if pid, _ := postmasterPID(c.dataDir); pid == p.pid {
				return nil
			}
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			p.kill()
			why := "did not accept connections within " + startTimeout.String()
			if ctx.Err() != nil {
				why = "startup cancelled: " + ctx.Err().Error()
			}
			return fmt.Errorf("localpg: PostgreSQL server %s (last error: %v); see %s: %s", why, lastErr, logPath, oneLine(readLogTail(logPath, logStart)))
		}
		select {
		case <-p.done:
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := c.connect(ctx)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// kill is the last resort: SIGKILL the whole process group (postmaster and
// backends) and reap.
func (p *proc) kill() {
	if p.cmd == nil {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	} else {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
	<-p.done
}

// postmasterPID reads the process ID of the postmaster that holds dataDir
// (the first line of postmaster.pid), or 0.
func postmasterPID(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// adopt takes on a postmaster that someone else started on the cluster's
// data directory (a "pg_ctl restart" by hand) and that answers on its port:
// restarting our own would only find it holding the lock file, for ever.
// It is watched, not waited for, as it is not the service's child; when it
// exits the supervisor starts the service's own again.
func (c *Cluster) adopt(ctx context.Context) bool {
	pid, err := postmasterPID(c.dataDir)
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil || c.ping(ctx) != nil {
		return false
	}
	p := &proc{pid: pid, done: make(chan struct{})}
	go func() {
		// Until it exits, whoever stops it (stop shuts it down as its own).
		for syscall.Kill(pid, 0) == nil {
			time.Sleep(200 * time.Millisecond)
		}
		p.waitErr = fmt.Errorf("the adopted postmaster (pid %d) exited", pid)
		close(p.done)
	}()
	c.mu.Lock()
	c.proc = p
	c.mu.Unlock()
	return true
}

// URL returns a connection URL for database dbname as the superuser.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// URLAs returns a connection URL for database dbname as the login role,
// which EnableLogin must have made able to log in.
func (c *Cluster) URLAs(role, dbname string) string {
	u, _ := url.Parse(c.URL(dbname))
	u.User = url.UserPassword(role, c.rolePassword(role))
	return u.String()
}

// rolePassword derives a login role's password from the superuser's, so
// nothing more has to be kept and a process attached to the cluster knows
// it too.
func (c *Cluster) rolePassword(role string) string {
	m := hmac.New(sha256.New, []byte(c.password))
	m.Write([]byte("login role " + role))
	return hex.EncodeToString(m.Sum(nil))
}

// EnableLogin lets an existing role log in with its derived password.
func (c *Cluster) EnableLogin(ctx context.Context, role string) error {
	sql := fmt.Sprintf("ALTER ROLE %s LOGIN PASSWORD '%s'", pgx.Identifier{role}.Sanitize(), c.rolePassword(role))
	if err := c.admin(ctx, sql); err != nil {
		return fmt.Errorf("localpg: letting role %q log in: %w", role, err)
	}
	return nil
}

func (c *Cluster) connect(ctx context.Context) (*pgx.Conn, error) {
	return pgx.Connect(ctx, c.URL("postgres"))
}

// admin runs one statement on the maintenance database.
func (c *Cluster) admin(ctx context.Context, sql string) error {
	conn, err := c.connect(ctx)
	if err != nil {
		return fmt.Errorf("localpg: connecting to local PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// EnsureDatabase creates database name unless it already exists.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := c.connect(ctx)
	if err != nil {
		return fmt.Errorf("localpg: connecting to local PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("localpg: checking for database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: lost a race, fine
		return nil
	}
	if err != nil {
		return fmt.Errorf("localpg: creating database %q: %w", name, err)
	}
	return nil
}

// CreateDatabase creates database name as a copy of template ("" = the
// server default, template1). The template must have no open connections.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if err := c.admin(ctx, sql); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55006" { // object_in_use
			return fmt.Errorf("localpg: creating database %q from template %q: %w (close all connections to the template first)", name, template, err)
		}
		return fmt.Errorf("localpg: creating database %q: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name if it exists, terminating its sessions.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	if err := c.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("localpg: dropping database %q: %w", name, err)
	}
	return nil
}

// Stop shuts the server down (fast shutdown) and waits for it to exit. It is
// safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	c.quit()
	<-c.supDone
	p := c.current()
	select {
	case <-p.done:
		if p.waitErr != nil {
			return fmt.Errorf("localpg: PostgreSQL server had already exited: %v; see %s", p.waitErr, filepath.Join(c.dataDir, serverLog))
		}
		return nil
	default:
	}
	pid := p.pid
	_ = syscall.Kill(pid, syscall.SIGINT) // SIGINT = fast shutdown
	select {
	case <-p.done:
		c.log.Info("local PostgreSQL stopped", "data_dir", c.dataDir)
		if p.waitErr != nil && p.cmd != nil { // an adopted one's exit says nothing more
			return fmt.Errorf("localpg: PostgreSQL server exited with %v during shutdown; see %s", p.waitErr, filepath.Join(c.dataDir, serverLog))
		}
		return nil
	case <-time.After(stopTimeout):
	}
	// SIGQUIT = immediate shutdown; the next start does crash recovery.
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.kill()
	}
	return fmt.Errorf("localpg: PostgreSQL server did not shut down within %s and was killed; see %s", stopTimeout, filepath.Join(c.dataDir, serverLog))
}

// supervise restarts the postmaster whenever it exits without being asked
// to (killed, crashed, or stopped by a full disk), on the same port so the
// service's connection URLs stay good, with a backoff from half a second
// to thirty seconds between failed attempts, logging why.
func (c *Cluster) supervise(ctx context.Context) {
	defer close(c.supDone)
	logPath := filepath.Join(c.dataDir, serverLog)
	for {
		p := c.current()
		select {
		case <-ctx.Done():
			return
		case <-p.done:
		}
		why := fmt.Errorf("exited unexpectedly (%v): %s", p.waitErr, oneLine(readLogTail(logPath, 0)))
		quick := c.died(why)
		c.log.Error("local PostgreSQL died; restarting it", "data_dir", c.dataDir, "reason", why,
			"died_soon_after_starting_in_a_row", quick)
		// A server that dies soon after each start is restarted less and
		// less often, as one that fails to start is.
		backoff := min(500*time.Millisecond<<min(quick, 6), 30*time.Second)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			err := c.start(ctx, c.as, c.fast)
			if err == nil {
				c.setUp()
				c.log.Info("local PostgreSQL restarted", "data_dir", c.dataDir, "port", c.port)
				break
			}
			if ctx.Err() == nil && c.adopt(ctx) {
				c.setUp()
				c.log.Warn("a PostgreSQL the service did not start is running on its data directory; using it, and watching it",
					"data_dir", c.dataDir, "port", c.port, "pid", c.PID())
				break
			}
			if ctx.Err() != nil {
				return
			}
			c.setDown(err)
			c.log.Error("restarting local PostgreSQL failed; will retry", "data_dir", c.dataDir, "error", err, "retry_in", backoff*2)
			backoff = min(backoff*2, 30*time.Second)
		}
	}
}

func (c *Cluster) setDown(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.downSince.IsZero() {
		c.downSince = time.Now()
	}
	c.downErr = err
}

func (c *Cluster) setUp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.downSince, c.downErr = time.Time{}, nil
	c.restarts++
	c.upSince = time.Now()
}

// died records the postmaster's death and answers how many times in a row
// one has died within stableAfter of coming up (0: it had been up long
// enough to count as recovered).
func (c *Cluster) died(why error) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.downSince.IsZero() {
		c.downSince = time.Now()
	}
	c.downErr, c.lastDeath = why, why
	if time.Since(c.upSince) < c.stableAfter {
		c.quickDeaths++
		if c.quickDeaths == crashLoop {
			c.loopSince = time.Now()
		}
	} else {
		c.quickDeaths, c.loopSince = 0, time.Time{}
	}
	return c.quickDeaths
}

// crashLoop is the number of deaths in a row, each soon after its start,
// from which the server is taken to be in a crash loop.
const crashLoop = 3

// Restarts counts the restarts after the server died.
func (c *Cluster) Restarts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.restarts
}

// PID is the current postmaster's process ID (0 for an attached cluster).
func (c *Cluster) PID() int {
	p := c.current()
	if p == nil {
		return 0
	}
	return p.pid
}

// Health reports a cluster that cannot recover: down, with every restart
// failing, for longer than Options.UnhealthyAfter. A cluster that is down
// but still within that time (restarting) is healthy; the database's
// readiness says it is unavailable meanwhile.
func (c *Cluster) Health() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.quickDeaths >= crashLoop && c.downSince.IsZero() && time.Since(c.upSince) >= c.stableAfter {
		c.quickDeaths, c.loopSince = 0, time.Time{} // up long enough since: recovered
	}
	if c.quickDeaths >= crashLoop && time.Since(c.loopSince) >= c.downFor {
		return fmt.Errorf("the private PostgreSQL cluster keeps dying soon after each restart (%d times in a row since %s; last: %v)",
			c.quickDeaths, c.loopSince.UTC().Format(time.RFC3339), c.lastDeath)
	}
	if c.downSince.IsZero() || time.Since(c.downSince) < c.downFor {
		return nil
	}
	return fmt.Errorf("the private PostgreSQL cluster has been down since %s and cannot be restarted: %v",
		c.downSince.UTC().Format(time.RFC3339), c.downErr)
}

// readLogTail returns the last lines the server wrote since offset.
func readLogTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 4096
	if fi, err := f.Stat(); err == nil && fi.Size()-offset > max {
		offset = fi.Size() - max
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(f)
	return lastLines(b, 5)
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// oneLine keeps error messages single-line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
	if s == "" {
		return "(no output)"
	}
	return s
}

// Reachable reports whether the account the server runs as (postgres, when
// we are root) can reach dataDir through its parent directories.
func Reachable(dataDir string) error {
	as, err := lookupRunAs()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	return checkTraversable(abs, as)
}

// ErrNotRunning: Attach found no server running on the directory.
var ErrNotRunning = errors.New("localpg: no PostgreSQL server is running on this data directory")

// Attach connects to the server another process started on dataDir (the
// running service), so a command such as `scpod audit verify` can use the
// same cluster. Stop on an attached cluster leaves the server running.
func Attach(dataDir string) (*Cluster, error) {
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	if checkNotRunning(dataDir) == nil {
		return nil, ErrNotRunning
	}
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return nil, ErrNotRunning
	}
	// postmaster.pid: pid, data directory, start time, port, ...
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return nil, ErrNotRunning
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return nil, ErrNotRunning
	}
	pw, err := os.ReadFile(filepath.Join(dataDir, passwordFile))
	if err != nil {
		return nil, fmt.Errorf("localpg: cannot read the cluster's password in %s: %v", dataDir, err)
	}
	done := make(chan struct{})
	sup := make(chan struct{})
	c := &Cluster{dataDir: dataDir, port: port, password: strings.TrimSpace(string(pw)), proc: &proc{done: done},
		log: slog.New(slog.DiscardHandler), quit: func() {}, supDone: sup}
	close(done) // not ours to stop
	close(sup)  // nor to supervise
	return c, nil
}
