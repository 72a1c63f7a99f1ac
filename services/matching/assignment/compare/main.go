// Command compare times assignment.SolveDense against scipy.optimize.linear_sum_assignment on
// the same seeded dense integer cost matrices and checks that both reach the same minimum total.
// Run it through compare.sh, which makes sure scipy is there.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/services/matching/assignment"
)

type config struct {
	sizes   []int
	seed    uint64
	maxCost int64
	repeat  int
	python  string
	script  string
}

// scipyResult is what compare.py prints.
type scipyResult struct {
	N       int     `json:"n"`
	Seconds float64 `json:"seconds"`
	Total   int64   `json:"total"`
	Version string  `json:"scipy"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg config
	sizes := flag.String("sizes", "1000,2000,4000", "comma-separated matrix sizes n (n×n)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "random seed; the matrix of size n uses (seed, n)")
	flag.Int64Var(&cfg.maxCost, "max", assignment.ScoreScale, "costs are uniform integers in [0, max)")
	flag.IntVar(&cfg.repeat, "repeat", 3, "runs per solver and size; the best time is reported")
	flag.StringVar(&cfg.python, "python", "/usr/bin/python3", "python with numpy and scipy")
	flag.StringVar(&cfg.script, "script", "compare.py", "path to compare.py")
	flag.Parse()
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	if cfg.repeat < 1 || cfg.maxCost < 1 {
		return fmt.Errorf("-repeat and -max must be positive")
	}

	dir, err := os.MkdirTemp("", "assignment-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Printf("%6s  %12s  %12s  %9s  %16s  %s\n", "n", "Go (ms)", "scipy (ms)", "scipy/Go", "min total", "Go vs scipy")
	mismatch := false
	var version string
	for _, n := range cfg.sizes {
		cost := randomMatrix(n, cfg.seed, cfg.maxCost)
		path := filepath.Join(dir, fmt.Sprintf("cost-%d.npy", n))
		if err := writeNpy(path, n, cost); err != nil {
			return err
		}
		goTime, goTotal, err := timeGo(n, cost, cfg.repeat)
		if err != nil {
			return err
		}
		py, err := runScipy(cfg, path)
		if err != nil {
			return err
		}
		version = py.Version
		verdict := "equal"
		if py.Total != goTotal {
			verdict = fmt.Sprintf("MISMATCH: Go %d", goTotal)
			mismatch = true
		}
		fmt.Printf("%6d  %12.1f  %12.1f  %8.2fx  %16d  %s\n", n, ms(goTime), py.Seconds*1000,
			py.Seconds/goTime.Seconds(), py.Total, verdict)
		// Free the matrix before generating the next, larger one.
		os.Remove(path)
	}
	fmt.Printf("(best of %d runs each; costs uniform in [0, %d); scipy %s)\n", cfg.repeat, cfg.maxCost, version)
	if mismatch {
		return fmt.Errorf("totals differ")
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func randomMatrix(n int, seed uint64, maxCost int64) []int64 {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	cost := make([]int64, n*n)
	for k := range cost {
		cost[k] = rng.Int64N(maxCost)
	}
	return cost
}

func timeGo(n int, cost []int64, repeat int) (time.Duration, int64, error) {
	best := time.Duration(1<<63 - 1)
	var total int64
	for range repeat {
		began := time.Now()
		sol, err := assignment.SolveDense(n, cost)
		if err != nil {
			return 0, 0, err
		}
		best = min(best, time.Since(began))
		total = sol.Total
	}
	return best, total, nil
}

func runScipy(cfg config, path string) (scipyResult, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(cfg.python, cfg.script, path, strconv.Itoa(cfg.repeat))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return scipyResult{}, fmt.Errorf("%s %s: %w\n%s", cfg.python, cfg.script, err, stderr.String())
	}
	var res scipyResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return scipyResult{}, fmt.Errorf("reading compare.py output %q: %w", stdout.String(), err)
	}
	return res, nil
}

// writeNpy writes cost as a little-endian int64 n×n array in NumPy's .npy format (version 1.0),
// which numpy.load reads directly.
func writeNpy(path string, n int, cost []int64) error {
	header := fmt.Sprintf("{'descr': '<i8', 'fortran_order': False, 'shape': (%d, %d), }", n, n)
	// The magic, version and length take 10 bytes; the header is padded so that the data starts
	// on a 64-byte boundary, and ends with a newline.
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad%64) + "\n"
	buf := make([]byte, 0, 10+len(header)+8*len(cost))
	buf = append(buf, "\x93NUMPY\x01\x00"...)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(header)))
	buf = append(buf, header...)
	for _, c := range cost {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(c))
	}
	return os.WriteFile(path, buf, 0o600)
}
