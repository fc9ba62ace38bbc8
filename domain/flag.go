package domain

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Flag kinds; the contract's table defines when each is open.
const (
	FlagUnowned           = "unowned"
	FlagReviewOverdue     = "review_overdue"
	FlagCheckOverdue      = "check_overdue"
	FlagPreRelease        = "pre_release"
	FlagReleaseDatePassed = "release_date_passed"
	FlagExpiring          = "expiring"
	// FlagComplianceConcern is raised when a check is recorded non_compliant
	// or a review breach_suspected, and resolved by a later compliant check
	// or satisfactory review, in the transaction that records it.
	FlagComplianceConcern = "compliance_concern"
	// FlagOwnerAbsent: an owner is away beyond the force's threshold with
	// nobody covering.
	FlagOwnerAbsent = "owner_absent"
	// FlagActionOverdue: a tasking meeting's action on the order is still
	// open after its due date.
	FlagActionOverdue = "action_overdue"
)

// FlagKinds lists every kind.
var FlagKinds = []string{FlagUnowned, FlagReviewOverdue, FlagCheckOverdue, FlagPreRelease,
	FlagReleaseDatePassed, FlagExpiring, FlagComplianceConcern, FlagOwnerAbsent, FlagNotServed, FlagBreachDecisionDue,
	FlagBreachOpen, FlagExtensionToSettle, FlagActionOverdue, FlagInterimUnserved, FlagEMEnding}

// Flag is a problem with an order, raised by a sweep and kept until a
// sweep finds it gone.
type Flag struct {
	ID            string          `json:"id"`
	Kind          string          `json:"kind"`
	OrderID       string          `json:"order_id"`
	SubjectID     string          `json:"subject_id"`
	SubjectName   string          `json:"subject_name"`
	Reference     string          `json:"reference"` // the order's court reference
	Force         string          `json:"force"`
	CaseType      string          `json:"case_type"`
	RaisedAt      time.Time       `json:"raised_at"`
	RaisedByRun   *string         `json:"raised_by_run"`
	ResolvedAt    *time.Time      `json:"resolved_at"`
	ResolvedByRun *string         `json:"resolved_by_run"`
	Details       json.RawMessage `json:"details"`
}

// Jobs and the flags each raises.
const (
	JobOwnership = "ownership-sweep"
	JobReview    = "review-sweep"
	JobCustody   = "custody-sweep"
	JobLifecycle = "lifecycle-sweep"
)

// JobNames lists the jobs in the order a day's sweeps should run.
var JobNames = []string{JobLifecycle, JobOwnership, JobReview, JobCustody}

// JobFlags maps each job to the flag kinds it raises and resolves.
var JobFlags = map[string][]string{
	JobOwnership: {FlagUnowned, FlagOwnerAbsent},
	JobReview:    {FlagReviewOverdue, FlagCheckOverdue, FlagActionOverdue},
	JobCustody:   {FlagPreRelease, FlagReleaseDatePassed},
	JobLifecycle: {FlagExpiring, FlagNotServed, FlagInterimUnserved, FlagEMEnding},
}

// JobRun is one run of a job, scheduled or manual.
type JobRun struct {
	ID           string     `json:"id"`
	Job          string     `json:"job"`
	Trigger      string     `json:"trigger"`
	ScheduledFor *time.Time `json:"scheduled_for"`
	AsOf         Date       `json:"as_of"`
	Status       string     `json:"status"`
	Raised       int        `json:"raised"`
	Resolved     int        `json:"resolved"`
	Changed      int        `json:"changed"`
	Error        *string    `json:"error"`
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at"`
}

// Job is a job as listed: its schedule and its last run.
type Job struct {
	Name     string   `json:"name"`
	Schedule string   `json:"schedule"`
	Raises   []string `json:"raises"`
	LastRun  *JobRun  `json:"last_run"`
}

// JobPreview is what a run of a job as of a day would change, worked out
// without writing anything: how many flags of each kind it would raise and
// resolve, and (lifecycle) how many orders it would start and expire.
type JobPreview struct {
	Job      string                `json:"job"`
	AsOf     Date                  `json:"as_of"`
	Raised   int                   `json:"raised"`
	Resolved int                   `json:"resolved"`
	Changed  int                   `json:"changed"`
	Started  int                   `json:"started"`
	Expired  int                   `json:"expired"`
	Flags    map[string]FlagCounts `json:"flags"`
}

// FlagCounts are the flags of one kind a run would raise and resolve.
type FlagCounts struct {
	Raised   int `json:"raised"`
	Resolved int `json:"resolved"`
}

// CheckRunDate refuses a run that would change data as of a day after
// today: it would expire orders and raise flags ahead of time, for good.
// Looking ahead is a preview.
func CheckRunDate(asOf, today Date) error {
	if asOf.After(today.Time) {
		return Invalid("as_of", "must be today (%s) or earlier: a run changes the register; to look ahead, preview the run, which changes nothing", today)
	}
	return nil
}

// CheckRunAfter refuses a run as of a day before the job's latest
// successful run (last): a run settles the flags as of its day, so an
// earlier day would take the register back, and everyone would read the
// older day's flags until the next run. Looking back is a preview.
func CheckRunAfter(asOf Date, last *Date) error {
	if last != nil && asOf.Before(last.Time) {
		return Invalid("as_of", "must not be before the job's last run, as of %s: a run would take the flags back to an earlier day; to see the register as of then, preview the run, which changes nothing", *last)
	}
	return nil
}

// ErrAlreadyRun: another replica has run (or is running) this tick.
var ErrAlreadyRun = Conflict("job", "this scheduled run has already been taken by another replica")

// FlagFilter narrows a flag list.
type FlagFilter struct {
	Status   string // open, resolved or "" for both
	Kind     string
	CaseType string
	Force    string
	OrderID  string
}

// JobOutcome is how a started run ended: the run as recorded, and the
// error that failed it (nil when it succeeded).
type JobOutcome struct {
	Run JobRun
	Err error
}

// Sweeps runs the jobs and reads their results.
type Sweeps interface {
	// RunJob runs job as of asOf now. scheduledFor is nil for a manual run,
	// which is refused with a ConflictError while the job runs elsewhere.
	RunJob(ctx context.Context, job string, asOf Date, scheduledFor *time.Time) (JobRun, error)
	// StartJob starts a manual run of job as of asOf that goes on to the
	// end whatever becomes of ctx (a request that ends, a client that goes
	// away). It returns once the run is recorded as running (with ctx's
	// audit entry and Idempotency-Key) and the run's outcome arrives on
	// done. It is refused with a ConflictError while the job runs elsewhere.
	StartJob(ctx context.Context, job string, asOf Date) (run JobRun, done <-chan JobOutcome, err error)
	// GetJobRun reads one run of job.
	GetJobRun(ctx context.Context, job, id string) (JobRun, error)
	// PreviewJob works out what RunJob would change as of asOf (which may be
	// ahead of today), writing nothing.
	PreviewJob(ctx context.Context, job string, asOf Date) (JobPreview, error)
	ListJobRuns(ctx context.Context, job string, p Page) ([]JobRun, string, error)
	LastJobRuns(ctx context.Context) (map[string]JobRun, error)
	ListFlags(ctx context.Context, f FlagFilter, p Page) ([]Flag, string, error)
}

// Policy is a force's settings for the sweeps.
type Policy struct {
	Force               string   `json:"force"`
	RequiredRoles       []string `json:"required_roles"`
	PreReleaseDays      int      `json:"pre_release_days"`
	CommunityReviewDays int      `json:"community_review_days"`
	PrisonReviewDays    int      `json:"prison_review_days"`
	CheckGraceDays      int      `json:"check_grace_days"`
	ExpiryWarningDays   int      `json:"expiry_warning_days"`
	// EMWarningDays: an electronic monitoring requirement ending within
	// this many days raises em_ending (s.5B).
	EMWarningDays int `json:"em_warning_days"`
	// AbsenceThresholdDays: an owner away longer than this with no cover
	// raises owner_absent on their orders.
	AbsenceThresholdDays int       `json:"absence_threshold_days"`
	Version              int       `json:"version"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// DefaultPreReleaseDays is the pre-release window (about six months) of a
// force with no policy of its own; the schema's default and the rules'
// coalesce say the same.
const DefaultPreReleaseDays = 180

// DefaultPolicy is what a force without its own policy uses.
func DefaultPolicy(force string) Policy {
	return Policy{Force: force, RequiredRoles: []string{}, PreReleaseDays: DefaultPreReleaseDays,
		CommunityReviewDays: DefaultCommunityReviewDays, PrisonReviewDays: DefaultPrisonReviewDays,
		CheckGraceDays: 0, ExpiryWarningDays: 180, EMWarningDays: DefaultEMWarningDays, AbsenceThresholdDays: DefaultAbsenceThresholdDays}
}

// FlagKindsMovedFrom names the flag kinds whose rules read a setting that
// differs between old and p, so a policy change settles only the flags
// it can move (each rule function's SQL reads only these settings of the
// policy): the required roles decide unowned, the pre-release window
// pre_release, the review intervals review_overdue, the grace on checks
// check_overdue, the expiry warning expiring, the EM warning em_ending,
// and the absence threshold owner_absent.
func (p Policy) FlagKindsMovedFrom(old Policy) []string {
	var kinds []string
	add := func(changed bool, kind string) {
		if changed {
			kinds = append(kinds, kind)
		}
	}
	add(!slices.Equal(sortedCopy(p.RequiredRoles), sortedCopy(old.RequiredRoles)), FlagUnowned)
	add(p.PreReleaseDays != old.PreReleaseDays, FlagPreRelease)
	add(p.CommunityReviewDays != old.CommunityReviewDays || p.PrisonReviewDays != old.PrisonReviewDays, FlagReviewOverdue)
	add(p.CheckGraceDays != old.CheckGraceDays, FlagCheckOverdue)
	add(p.ExpiryWarningDays != old.ExpiryWarningDays, FlagExpiring)
	add(p.EMWarningDays != old.EMWarningDays, FlagEMEnding)
	add(p.AbsenceThresholdDays != old.AbsenceThresholdDays, FlagOwnerAbsent)
	return kinds
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// Validate checks a policy's settings.
func (p *Policy) Validate(v *ValidationError) {
	seen := map[string]bool{}
	for _, r := range p.RequiredRoles {
		if !slices.Contains(OwnerRoles, r) {
			v.Add("required_roles", "each role must be one of %s", strings.Join(OwnerRoles, ", "))
		} else if seen[r] {
			v.Add("required_roles", "role %q is given twice", r)
		}
		seen[r] = true
	}
	between(v, "pre_release_days", p.PreReleaseDays, 1, 1095)
	between(v, "community_review_days", p.CommunityReviewDays, 1, 366)
	between(v, "prison_review_days", p.PrisonReviewDays, 1, 366)
	between(v, "check_grace_days", p.CheckGraceDays, 0, 90)
	between(v, "expiry_warning_days", p.ExpiryWarningDays, 1, 1095)
	between(v, "em_warning_days", p.EMWarningDays, 1, 180)
	between(v, "absence_threshold_days", p.AbsenceThresholdDays, 1, 365)
}

func between(v *ValidationError, field string, n, lo, hi int) {
	if n < lo || n > hi {
		v.Add(field, "must be from %d to %d", lo, hi)
	}
}

// PreReleaseWindow is how many days ahead a pre-release report looks when
// none is asked for: for one force, its own window, the one its pre_release
// flags are raised by (a board of 180 days beside a policy of 120 listed
// subjects nobody was yet asked to prepare); across forces, whose windows
// differ, DefaultPreReleaseDays. An unknown force is ErrNotFound.
func PreReleaseWindow(ctx context.Context, policies Policies, force string) (int, error) {
	if force == "" {
		return DefaultPreReleaseDays, nil
	}
	p, err := policies.GetPolicy(ctx, force)
	if err != nil {
		return 0, err
	}
	return p.PreReleaseDays, nil
}

// Policies reads and changes force policies.
type Policies interface {
	GetPolicy(ctx context.Context, force string) (Policy, error)
	PutPolicy(ctx context.Context, p Policy, ifVersion *int) (Policy, error)
}
