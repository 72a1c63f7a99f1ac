// Package envconfig reads a process's settings from its environment once, in main, into typed
// fields, and reports every invalid value at once, each naming its variable and what it allows.
//
// Written here rather than taken from a library: the libraries we tried (caarlos0/env) name the
// struct field, not the variable, in their errors and know nothing of allowed ranges, which are
// what an operator needs to read when a process refuses to start. Nothing but a main (or a test)
// builds a Reader: services and libraries take typed configuration, never the environment.
package envconfig

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables through lookup and collects what is wrong with them. A variable that
// is unset or empty leaves its field as it was: the zero value, which every configuration
// treats as its default.
type Reader struct {
	lookup func(string) (string, bool)
	errs   []error
	// refused holds the variables already reported: a variable several components read (a
	// peer's address) is reported once.
	refused map[string]bool
}

// New reads variables through lookup, os.LookupEnv in a main.
func New(lookup func(string) (string, bool)) *Reader {
	return &Reader{lookup: lookup, refused: map[string]bool{}}
}

// FromMap reads variables from m, for tests.
func FromMap(m map[string]string) *Reader {
	return New(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

// Err reports every invalid variable read so far, one per line, or nil.
func (r *Reader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration:\n%w", errors.Join(r.errs...))
}

func (r *Reader) value(name string) (string, bool) {
	v, ok := r.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Fail records that name's value is wrong, saying what it wants: for a rule the typed readers
// cannot say (a loopback address, two settings that exclude each other).
func (r *Reader) Fail(name, value, want string) { r.fail(name, value, want) }

func (r *Reader) fail(name, value, want string) {
	r.refuse(name, fmt.Sprintf("%s=%q: %s", name, value, want))
}

// refuse records what is wrong with name, unless name was refused already.
func (r *Reader) refuse(name, why string) {
	if r.refused[name] {
		return
	}
	r.refused[name] = true
	r.errs = append(r.errs, errors.New("  "+why))
}

// String reads a free value.
func (r *Reader) String(name string, dst *string) {
	if v, ok := r.value(name); ok {
		*dst = v
	}
}

// Secret reads a value that must never be shown: an error about it does not repeat it.
func (r *Reader) Secret(name string, dst *string, minLen int) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	if len(v) < minLen {
		r.refuse(name, fmt.Sprintf("%s: want at least %d characters", name, minLen))
		return
	}
	*dst = v
}

// Int reads a whole number from min to max.
func (r *Reader) Int(name string, dst *int, min, max int) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		r.fail(name, v, fmt.Sprintf("want a whole number from %d to %d", min, max))
		return
	}
	*dst = n
}

// Duration reads a Go duration (90s, 10m, 72h) from min to max.
func (r *Reader) Duration(name string, dst *time.Duration, min, max time.Duration) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		r.fail(name, v, fmt.Sprintf("want a duration such as 90s, 10m or 72h, from %v to %v", min, max))
		return
	}
	*dst = d
}

// Bool reads true/false (also 1/0, yes/no, on/off).
func (r *Reader) Bool(name string, dst *bool) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		*dst = true
	case "0", "false", "no", "off":
		*dst = false
	default:
		r.fail(name, v, "want true or false (1 or 0)")
	}
}

// Addr reads a host:port to listen on or dial.
func (r *Reader) Addr(name string, dst *string) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	if err := checkAddr(v); err != nil {
		r.fail(name, v, "want host:port with a port from 0 to 65535")
		return
	}
	*dst = v
}

// Addrs reads the addresses of a service's replicas: comma-separated host:port, or one
// dns:/// target (what rpc.Dial takes).
func (r *Reader) Addrs(name string, dst *string) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	if !strings.HasPrefix(v, "dns:///") {
		for _, a := range strings.Split(v, ",") {
			if checkAddr(strings.TrimSpace(a)) != nil {
				r.fail(name, v, "want host:port, several separated by commas, or a dns:/// target")
				return
			}
		}
	}
	*dst = v
}

func checkAddr(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("bad port")
	}
	return nil
}

// DatabaseURL reads a PostgreSQL URL. An error shows where it points, never its password.
func (r *Reader) DatabaseURL(name string, dst *string) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
		r.refuse(name, name+": want a postgres:// or postgresql:// URL")
		return
	}
	*dst = v
}

// URLs reads comma-separated server URLs with one of the given schemes (NATS_URL).
func (r *Reader) URLs(name string, dst *string, schemes ...string) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	for _, u := range strings.Split(v, ",") {
		u = strings.TrimSpace(u)
		okScheme := false
		for _, s := range schemes {
			okScheme = okScheme || strings.HasPrefix(u, s+"://")
		}
		if !okScheme {
			r.fail(name, v, "want URLs starting with "+strings.Join(schemes, ":// or ")+"://, separated by commas")
			return
		}
	}
	*dst = v
}

// OneOf reads one of the allowed words, in any case.
func (r *Reader) OneOf(name string, dst *string, allowed ...string) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			*dst = a
			return
		}
	}
	r.fail(name, v, "want one of "+strings.Join(allowed, ", "))
}

// Endpoint reads host:port, http://host:port or https://host:port (an OTLP collector).
func (r *Reader) Endpoint(name string, dst *string) {
	v, ok := r.value(name)
	if !ok {
		return
	}
	hostPort := strings.TrimPrefix(strings.TrimPrefix(v, "http://"), "https://")
	if checkAddr(strings.TrimSuffix(hostPort, "/")) != nil {
		r.fail(name, v, "want host:port, http://host:port or https://host:port")
		return
	}
	*dst = v
}
