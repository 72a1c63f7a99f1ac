package dates

import "testing"

func TestMissionEndClampsToShorterMonths(t *testing.T) {
	cases := []struct {
		start  string
		months int
		want   string
	}{
		{"2027-02-01", 12, "2028-01-31"},
		{"2027-01-15", 6, "2027-07-14"},
		{"2027-08-31", 6, "2028-02-29"},
		{"2027-01-31", 1, "2027-02-28"},
		{"2027-01-29", 1, "2027-02-28"},
		{"2027-01-28", 1, "2027-02-27"},
		{"2027-01-01", 1, "2027-01-31"},
		{"2026-12-31", 6, "2027-06-30"},
		{"2027-03-01", 18, "2028-08-31"},
	}
	for _, c := range cases {
		start, err := Parse(c.start)
		if err != nil {
			t.Fatal(err)
		}
		if got := Format(MissionEnd(start, c.months)); got != c.want {
			t.Errorf("MissionEnd(%s, %d) = %s, want %s", c.start, c.months, got, c.want)
		}
	}
}
