package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/seeddata"
)

// firmsFileName is written in the data directory: the seeded firms and their tokens.
const firmsFileName = "seed-firms.json"

// summary is what a seed run did.
type summary struct {
	Consultants int
	Firms       int
	Missions    int
	Requests    int64 // requests answered 2xx
	Elapsed     time.Duration
	FirmsFile   string
}

// firmsFile is the content of seed-firms.json.
type firmsFile struct {
	URL       string     `json:"url"`
	Seed      uint64     `json:"seed"`
	CreatedAt time.Time  `json:"createdAt"`
	Firms     []seedFirm `json:"firms"`
	Note      string     `json:"note"`
}

type seedFirm struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Token      string   `json:"token"`
	MissionIDs []string `json:"missionIds"`
}

// missionsPerSeededFirm bounds the missions one seeded firm submits.
const missionsPerSeededFirm = 40

// seed creates cfg.Firms firms, cfg.Consultants consultants with their profiles, then
// cfg.Missions missions spread over the firms, and writes the firms' tokens to the data
// directory. It stops at the first request the platform refuses.
func seed(ctx context.Context, cfg config, out io.Writer) (sum summary, err error) {
	if cfg.Missions > 0 && cfg.Firms < 1 {
		return summary{}, errors.New("missions need at least one firm")
	}
	// A firm submits at most CAIOMATCH_FIRM_MISSIONS_PER_DAY missions a day (50 by default):
	// more firms, so that each stays well under it.
	if need := (cfg.Missions + missionsPerSeededFirm - 1) / missionsPerSeededFirm; cfg.Firms < need {
		fmt.Fprintf(out, "seed: %d firms instead of %d, so that none submits more than %d missions (the daily quota is 50 by default)\n",
			need, cfg.Firms, missionsPerSeededFirm)
		cfg.Firms = need
	}
	api := newClient(cfg.URL, cfg.Concurrency)
	defer api.close()
	if err := waitReady(ctx, api, 10*time.Second); err != nil {
		return summary{}, err
	}
	start := time.Now()
	sum.FirmsFile = filepath.Join(cfg.DataDir, firmsFileName)
	defer func() {
		sum.Elapsed, sum.Requests = time.Since(start), api.requests.Load()
		if err != nil {
			fmt.Fprintf(out, "stopped after %d firms, %d consultants, %d missions (%d requests answered 2xx)\n",
				sum.Firms, sum.Consultants, sum.Missions, sum.Requests)
		}
	}()

	// Draw everything first: the generator is sequential, the requests are not.
	gen := seeddata.New(cfg.Seed, cfg.Now)
	profiles := make([]*profilev1.CreateProfileRequest, cfg.Consultants)
	for i := range profiles {
		profiles[i] = gen.Profile()
	}
	missions := make([]*missionv1.CreateMissionRequest, cfg.Missions)
	for i := range missions {
		missions[i] = gen.Mission()
	}
	fmt.Fprintf(out, "seeding %s: %d consultants, %d firms, %d missions (seed %d, concurrency %d)\n",
		cfg.URL, cfg.Consultants, cfg.Firms, cfg.Missions, cfg.Seed, cfg.Concurrency)

	// Firms first, and their tokens on disk at once: a token is shown only once.
	firms := make([]seedFirm, cfg.Firms)
	err = forEach(ctx, cfg.Firms, cfg.Concurrency, func(ctx context.Context, i int) error {
		var resp accountv1.CreateAccountResponse
		name := seeddata.FirmName(i)
		if err := api.call(ctx, http.MethodPost, "/v1/accounts", cfg.Token,
			&accountv1.CreateAccountRequest{Role: "FIRM", Name: name}, &resp); err != nil {
			return fmt.Errorf("firm %d: %w", i+1, err)
		}
		firms[i] = seedFirm{ID: resp.GetAccount().GetId(), Name: name, Token: resp.GetToken(), MissionIDs: []string{}}
		return nil
	})
	created := slices.DeleteFunc(slices.Clone(firms), func(f seedFirm) bool { return f.ID == "" })
	sum.Firms = len(created)
	if len(created) > 0 {
		err = errors.Join(err, writeFirms(sum.FirmsFile, cfg, created))
	}
	if err != nil {
		return sum, err
	}

	// Consultants: an account, then the profile the operator creates for it.
	progress := newProgress(out, "consultants", cfg.Consultants, api)
	err = forEach(ctx, cfg.Consultants, cfg.Concurrency, func(ctx context.Context, i int) error {
		p := profiles[i]
		var account accountv1.CreateAccountResponse
		if err := api.call(ctx, http.MethodPost, "/v1/accounts", cfg.Token,
			&accountv1.CreateAccountRequest{Role: "CONSULTANT", Name: p.GetDisplayName()}, &account); err != nil {
			return fmt.Errorf("consultant %d, account: %w", i+1, err)
		}
		p.AccountId = account.GetAccount().GetId()
		if err := api.call(ctx, http.MethodPost, "/v1/profiles", cfg.Token, p, nil); err != nil {
			return fmt.Errorf("consultant %d, profile: %w", i+1, err)
		}
		progress.done()
		return nil
	})
	sum.Consultants = progress.count()
	if err != nil {
		return sum, err
	}

	// Missions last, so that matching already knows most consultants when they arrive; it
	// consumes profiles asynchronously and re-ranks the missions as it catches up.
	missionIDs := make([]string, cfg.Missions)
	progress = newProgress(out, "missions", cfg.Missions, api)
	err = forEach(ctx, cfg.Missions, cfg.Concurrency, func(ctx context.Context, i int) error {
		var resp missionv1.CreateMissionResponse
		if err := api.call(ctx, http.MethodPost, "/v1/missions", firms[i%len(firms)].Token, missions[i], &resp); err != nil {
			return fmt.Errorf("mission %d (firm %q): %w", i+1, firms[i%len(firms)].Name, err)
		}
		missionIDs[i] = resp.GetMission().GetId()
		progress.done()
		return nil
	})
	sum.Missions = progress.count()
	for i, id := range missionIDs {
		if id != "" {
			f := &firms[i%len(firms)]
			f.MissionIDs = append(f.MissionIDs, id)
		}
	}
	if sum.Missions > 0 {
		if werr := writeFirms(sum.FirmsFile, cfg, firms); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		return sum, err
	}

	elapsed, requests := time.Since(start), api.requests.Load()
	fmt.Fprintf(out, "done: %d consultants, %d firms, %d missions in %s: %d requests, %.0f requests/s\n",
		sum.Consultants, sum.Firms, sum.Missions, elapsed.Round(time.Millisecond), requests, rate(requests, elapsed))
	if sum.Firms > 0 {
		fmt.Fprintf(out, "firm tokens: %s (mode 0600); for instance:\n", sum.FirmsFile)
		fmt.Fprintf(out, "  FIRM=$(jq -r '.firms[0].token' %s)\n", sum.FirmsFile)
		fmt.Fprintf(out, "  curl -s -H \"Authorization: Bearer $FIRM\" %s/v1/missions\n", cfg.URL)
		if len(firms[0].MissionIDs) > 0 {
			fmt.Fprintf(out, "  curl -s -H \"Authorization: Bearer $FIRM\" %s/v1/missions/%s/shortlist\n", cfg.URL, firms[0].MissionIDs[0])
			fmt.Fprintln(out, "shortlists may be re-ranked for a few seconds while matching catches up with the new profiles")
		}
	}
	return sum, nil
}

// waitReady waits until GET /readyz answers 200, for at most within; a platform that does not
// answer at all is reported at once.
func waitReady(ctx context.Context, api *client, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.base+"/readyz", nil)
		if err != nil {
			return fmt.Errorf("bad -url %q: %w", api.base, err)
		}
		resp, err := api.http.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				return fmt.Errorf("no platform at %s (start one with `make run`): %w", api.base, err)
			}
			return fmt.Errorf("platform at %s: %w", api.base, context.Cause(ctx))
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("platform at %s not ready: GET /readyz answers %d", api.base, resp.StatusCode)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// forEach calls fn for 0..n-1 from at most workers goroutines. The first error cancels the
// others' context and is returned; so is the cause when ctx ends (Ctrl-C).
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// progress prints "consultants 300/1000" about ten times per phase, with the request rate.
type progress struct {
	mu    sync.Mutex
	out   io.Writer
	what  string
	total int
	n     int
	step  int
	start time.Time
	api   *client
	base  int64 // requests before the phase
}

func newProgress(out io.Writer, what string, total int, api *client) *progress {
	return &progress{out: out, what: what, total: total, step: max(1, total/10), start: time.Now(),
		api: api, base: api.requests.Load()}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if p.n%p.step == 0 || p.n == p.total {
		elapsed := time.Since(p.start)
		fmt.Fprintf(p.out, "  %-11s %*d/%d  %6.0f requests/s\n", p.what, len(fmt.Sprint(p.total)), p.n, p.total,
			rate(p.api.requests.Load()-p.base, elapsed))
	}
}

func (p *progress) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// writeFirms replaces the firms file; the temporary file is created with mode 0600 and renamed,
// so the tokens are never readable by others, even for a moment, whatever an older file's mode.
func writeFirms(path string, cfg config, firms []seedFirm) error {
	data, err := json.MarshalIndent(firmsFile{
		URL: cfg.URL, Seed: cfg.Seed, CreatedAt: time.Now().UTC().Truncate(time.Second), Firms: firms,
		Note: "bearer tokens of the seeded firm accounts: keep this file private",
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("firms file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".seed-firms-*.json")
	if err != nil {
		return fmt.Errorf("firms file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("firms file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("firms file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("firms file: %w", err)
	}
	return nil
}
