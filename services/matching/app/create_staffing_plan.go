package app

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/assignment"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// alternatesPerMission is how many other consultants a plan proposes for each staffed mission.
const alternatesPerMission = 2

// planState is the last plan's problem and solver, kept so that a decline re-optimises it from
// its dual potentials instead of solving again from scratch.
type planState struct {
	missionIDs []string // rows
	colSlot    []int32  // column -> index slot
	slotCol    map[int32]int32
	problem    assignment.Problem
	solver     *assignment.Solver
	removed    map[[2]int32]bool
	generation uint64
	day        time.Time
}

// CreateStaffingPlan solves, over the open missions given (all when none) and every eligible
// consultant (hard rules and declines applied, the exposure cap not), the assignment that
// staffs as many missions as possible and then maximises the total score. When nothing but
// declines changed since the last plan over the same missions, it reuses that plan's solver,
// which declines have already re-optimised. The plan is stored; no offer is sent.
func (a *Application) CreateStaffingPlan(ctx context.Context, caller identity.Caller, missionIDs []string) (domain.StaffingPlan, error) {
	if !caller.IsOperator() {
		return domain.StaffingPlan{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only operators make staffing plans")
	}
	started := time.Now()
	settings := a.settings()
	a.mu.Lock()
	// Other replicas may have opened, closed or re-ranked missions since this one last did.
	if err := a.refresh(ctx); err != nil {
		a.mu.Unlock()
		return domain.StaffingPlan{}, err
	}
	generation := a.generation.Load()
	type row struct {
		mission  domain.Mission
		current  *domain.Shortlist
		excluded []string
	}
	var rows []row
	var v fault.Violations
	if len(missionIDs) == 0 {
		for _, om := range a.openInOrder() {
			rows = append(rows, row{om.mission, om.current, slices.Clone(om.excluded)})
		}
	}
	for i, id := range missionIDs {
		om, ok := a.open[id]
		switch {
		case !ok:
			v.Add(taxonomy.Indexed("missionIds", i), "is not an open mission")
		case slices.ContainsFunc(rows, func(r row) bool { return r.mission.ID == id }):
			v.Add(taxonomy.Indexed("missionIds", i), "is listed twice")
		default:
			rows = append(rows, row{om.mission, om.current, slices.Clone(om.excluded)})
		}
	}
	a.mu.Unlock()
	if err := v.Err(); err != nil {
		return domain.StaffingPlan{}, err
	}

	// From here on mu is never taken: a decline holds it while it waits for planMu.
	a.planMu.Lock()
	defer a.planMu.Unlock()
	var st *planState
	if a.plan != nil && a.plan.generation == generation && a.plan.day.Equal(settings.Today) &&
		slices.EqualFunc(a.plan.missionIDs, rows, func(id string, r row) bool { return id == r.mission.ID }) {
		st = a.plan
	} else {
		st = &planState{slotCol: map[int32]int32{}, removed: map[[2]int32]bool{}, generation: generation, day: settings.Today}
		lists := make([][]assignment.Candidate, len(rows))
		for r, rw := range rows {
			st.missionIDs = append(st.missionIDs, rw.mission.ID)
			for _, c := range a.index.Candidates(index.Query{Settings: settings, Mission: rw.mission, Excluded: rw.excluded}) {
				col, ok := st.slotCol[c.Slot]
				if !ok {
					col = int32(len(st.colSlot))
					st.slotCol[c.Slot] = col
					st.colSlot = append(st.colSlot, c.Slot)
				}
				lists[r] = append(lists[r], assignment.Candidate{Col: col, Score: assignment.MicroScore(c.Score)})
			}
		}
		problem, err := assignment.NewProblem(len(st.colSlot), lists)
		if err != nil {
			return domain.StaffingPlan{}, err
		}
		st.problem = problem
		if st.solver, err = assignment.NewSolver(problem); err != nil {
			return domain.StaffingPlan{}, err
		}
	}
	plan := a.planOf(st, settings)
	plan.Reused = st == a.plan
	plan.SolveMillis = float64(time.Since(started).Microseconds()) / 1000
	if a.generation.Load() == generation {
		a.plan = st
	}
	if err := a.store.InTx(ctx, func(ctx context.Context, tx Tx) error { return tx.SaveStaffingPlan(ctx, plan) }); err != nil {
		return domain.StaffingPlan{}, err
	}
	return plan, nil
}

// planOf reads the solver's optimal plan, with each staffed mission's best alternates:
// consultants free in the plan first, then the others.
func (a *Application) planOf(st *planState, settings domain.Settings) domain.StaffingPlan {
	sol := st.solver.Solution()
	taken := make([]bool, len(st.colSlot))
	for _, c := range sol.RowToCol {
		if c >= 0 {
			taken[c] = true
		}
	}
	plan := domain.StaffingPlan{ID: uuid.NewString(), CreatedAt: a.now().UTC(), ScoringVersion: settings.Scoring.Version,
		CandidateEdges: int64(len(st.problem.Col))}
	for r, missionID := range st.missionIDs {
		chosen := sol.RowToCol[r]
		if chosen < 0 {
			plan.Unstaffed = append(plan.Unstaffed, missionID)
			continue
		}
		as := domain.StaffingAssignment{MissionID: missionID}
		var busy []domain.StaffingAlternate
		for k := st.problem.Start[r]; k < st.problem.Start[r+1]; k++ {
			col, score := st.problem.Col[k], float64(st.problem.Score[k])/assignment.ScoreScale
			switch {
			case col == chosen:
				as.ProfileID, as.Score = a.index.IDOf(st.colSlot[col]), score
			case st.removed[[2]int32{int32(r), col}] || len(as.Alternates) >= alternatesPerMission:
			case !taken[col]:
				as.Alternates = append(as.Alternates, domain.StaffingAlternate{ProfileID: a.index.IDOf(st.colSlot[col]), Score: score})
			case len(busy) < alternatesPerMission:
				busy = append(busy, domain.StaffingAlternate{ProfileID: a.index.IDOf(st.colSlot[col]), Score: score})
			}
		}
		for _, b := range busy {
			if len(as.Alternates) < alternatesPerMission {
				as.Alternates = append(as.Alternates, b)
			}
		}
		plan.Assignments = append(plan.Assignments, as)
	}
	return plan
}

// declineInPlan re-optimises the last plan when a consultant declines one of its missions.
func (a *Application) declineInPlan(missionID, profileID string) {
	a.planMu.Lock()
	defer a.planMu.Unlock()
	st := a.plan
	if st == nil {
		return
	}
	row := slices.Index(st.missionIDs, missionID)
	slot, known := a.index.SlotOf(profileID)
	col, inPlan := st.slotCol[slot]
	if row < 0 || !known || !inPlan {
		return
	}
	if err := st.solver.RemoveEdge(row, int(col)); err == nil {
		st.removed[[2]int32{int32(row), col}] = true
	}
}
