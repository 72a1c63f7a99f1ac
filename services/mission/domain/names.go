package domain

// names are the stored names of an enum's values; its zero value (unspecified) has none.
type names[T comparable] map[T]string

// of is v's name, UNSPECIFIED when it has none.
func (n names[T]) of(v T) string {
	if s, ok := n[v]; ok {
		return s
	}
	return "UNSPECIFIED"
}

// parse reads a name of returns; an unknown one is the zero value and false.
func (n names[T]) parse(name string) (T, bool) {
	for v, s := range n {
		if s == name {
			return v, true
		}
	}
	var zero T
	return zero, false
}
