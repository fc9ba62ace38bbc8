package web

import "testing"

func TestBarWidth(t *testing.T) {
	for _, c := range []struct{ n, most, want int }{{0, 10, 0}, {10, 10, 100}, {1, 100, 5}, {7, 10, 70}, {13, 20, 65}, {3, 0, 0}} {
		if got := barWidth(c.n, c.most); got != c.want {
			t.Errorf("bar for %d of %d: %d, want %d", c.n, c.most, got, c.want)
		}
	}
}

func TestPercentRounds(t *testing.T) {
	for _, c := range []struct{ n, of, want int }{{2, 7, 29}, {1, 3, 33}, {2, 3, 67}, {1, 8, 13}, {0, 5, 0}, {5, 5, 100}, {3, 0, 0}} {
		if got := pct(c.n, c.of); got != c.want {
			t.Errorf("%d of %d: %d%%, want %d%%", c.n, c.of, got, c.want)
		}
	}
}
